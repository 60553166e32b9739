# The installed package holds no test fixture: installs the build into a
# fresh prefix (or checks PREFIX as it is, without BIN), then
#   - no installed header mentions a planted bug (VFD_BUG, DEMO_BUG,
#     WIO_BUG) or a fixture's adapter, and every header an installed one
#     includes is installed too;
#   - no installed library defines a planting symbol (the planted pager,
#     demolib's and wiolib's bug switches, their adapters) or holds a
#     FIXTURE target of the target list.
# With PKG_CONFIG (a cross build: the Windows one), pkg-config's view of
# the prefix alone (PKG_CONFIG_LIBDIR, no host package) resolves closeonce
# with everything it requires, and one compiler command with its
# --cflags --libs builds PROGRAM (C files; their directory on the include
# path) with CC and CCFLAGS, warnings as errors; the program runs
# (EMULATOR PROGRAM targets, exit 0).
# cmake [-DBIN=<build dir>] -DPREFIX=<dir> -DNM=<nm>
#       [-DPKG_CONFIG=<pkg-config> -DCC=<compiler> -DCCFLAGS=<its flags>
#        -DPROGRAM=<a.c;b.c> -DEMULATOR=<wine>] -P install_check.cmake
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

if(DEFINED PKG_CONFIG)
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "install: no pkg-config (PKG_CONFIG: '${PKG_CONFIG}'; "
            "Debian: pkg-config)")
  endif()
  set(ENV{PKG_CONFIG_LIBDIR} ${PREFIX}/lib/pkgconfig)
  unset(ENV{PKG_CONFIG_PATH})
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs closeonce
                  RESULT_VARIABLE rc OUTPUT_VARIABLE pc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install: PKG_CONFIG_LIBDIR=${PREFIX}/lib/pkgconfig "
            "${PKG_CONFIG} --cflags --libs closeonce: exit ${rc}\n${err}")
  endif()
  string(STRIP "${pc}" pc)
  separate_arguments(pcflags UNIX_COMMAND "${pc}")
  separate_arguments(ccflags UNIX_COMMAND "${CCFLAGS}")
  list(GET PROGRAM 0 first)
  get_filename_component(pdir ${first} DIRECTORY)
  set(exe ${PREFIX}-pc/program.exe)
  file(MAKE_DIRECTORY ${PREFIX}-pc)
  execute_process(COMMAND ${CC} -std=c11 ${ccflags} -Wall -Wextra -Werror
                          -I${pdir} -o ${exe} ${PROGRAM} ${pcflags}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install: ${CC} ... ${pc}: exit ${rc}\n${out}")
  endif()
  execute_process(COMMAND ${EMULATOR} ${exe} targets
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install: ${exe} targets: exit ${rc}\n${out}")
  endif()
  message(STATUS "install: pkg-config --cflags --libs closeonce: ${pc}; "
          "one compiler command builds and runs a program")
endif()
list(LENGTH headers nh)
list(LENGTH libs nl)
message(STATUS "install: ${nh} headers and ${nl} libraries, no test fixture")
