# The installed package holds no test fixture: installs the build into a
# fresh prefix (or checks PREFIX as it is, without BIN), then
#   - no installed header mentions a planted bug (VFD_BUG, DEMO_BUG,
#     WIO_BUG) or a fixture's adapter, and every header an installed one
#     includes is installed too;
#   - no installed library defines a planting symbol (the planted pager,
#     demolib's and wiolib's bug switches, their adapters) or holds a
#     FIXTURE target of the target list.
# cmake [-DBIN=<build dir>] -DPREFIX=<dir> -DNM=<nm> -P install_check.cmake
include(${CMAKE_CURRENT_LIST_DIR}/check_fail.cmake)

if(BIN)
  file(REMOVE_RECURSE ${PREFIX})
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BIN} --prefix ${PREFIX}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install ${BIN}: exit ${rc}\n${out}")
  endif()
endif()

file(GLOB_RECURSE headers RELATIVE ${PREFIX}/include ${PREFIX}/include/*.h)
if(NOT headers)
  fail("no header installed in ${PREFIX}/include")
endif()
foreach(h IN LISTS headers)
  file(STRINGS ${PREFIX}/include/${h} hits
       REGEX "VFD_BUG|DEMO_BUG|WIO_BUG|co_adapter_demo|co_adapter_wio|_set_bugs")
  if(hits)
    list(JOIN hits "\n  " hits)
    fail("installed header ${h} mentions a test fixture:\n  ${hits}")
  endif()
  file(STRINGS ${PREFIX}/include/${h} incs REGEX "^#include \"")
  foreach(i IN LISTS incs)
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" i "${i}")
    if(NOT EXISTS ${PREFIX}/include/${i})
      fail("installed header ${h} includes ${i}, which is not installed")
    endif()
  endforeach()
endforeach()

file(GLOB libs ${PREFIX}/lib/*.a ${PREFIX}/lib64/*.a)
if(NOT libs)
  fail("no library installed in ${PREFIX}/lib")
endif()
foreach(l IN LISTS libs)
  execute_process(COMMAND ${NM} -g --defined-only ${l}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE syms ERROR_QUIET)
  if(NOT rc EQUAL 0)
    fail("${NM} ${l}: exit ${rc}")
  endif()
  string(REGEX MATCHALL
         "[_A-Za-z0-9]*(planted|_set_bugs|co_adapter_demo|co_adapter_wio|demo_open|wio_take)[_A-Za-z0-9]*"
         found "${syms}")
  if(found)
    list(REMOVE_DUPLICATES found)
    list(JOIN found ", " found)
    fail("installed ${l} defines planting symbols: ${found}")
  endif()
  file(STRINGS ${l} rows REGEX "with a planted bug")
  if(rows)
    list(JOIN rows "\n  " rows)
    fail("installed ${l} holds planted-bug targets:\n  ${rows}")
  endif()
endforeach()

if(bad)
  message(FATAL_ERROR "install: the installed package holds test fixtures")
endif()
list(LENGTH headers nh)
list(LENGTH libs nl)
message(STATUS "install: ${nh} headers and ${nl} libraries, no test fixture")
