# One hlib finding as a Win32 reproducer, both ways (closeonce's own test of
# the adapter's C templates; examples/hlib/CMakeLists.txt registers it):
#   1. the finding: TRACE, or with FUZZ=1 the one `fuzz --runs 3000 --seed 1`
#      saves (the planted library); replay gives its step N;
#   2. `PROG repro --target hlib` writes one C file; it is compiled with the
#      build line it states, in this directory, at -Wall -Wextra -Werror,
#      with this build's compiler and C runtime (CFLAGS), and run: exit 1,
#      "FAILS at step N", the invalid-parameter handler reported;
#   3. the other way: a program recorded with the planted library (its
#      build line has -DHLIB_PLANTED_BUG=...) built without that word, the
#      fixed library: exit 0, "no failure"; a client's mistake, its FIXED
#      trace: replayed clean, and repro writes no program for it (a program
#      is written for a finding only), exit 2.
# cmake -DPROG=<hlib-closeonce.exe> -DEMU=<wine, or empty> -DDIR=<this dir>
#       -DCC=<compiler> "-DCFLAGS=<its flags>" "-DLDFLAGS=<link flags>"
#       -DWORK=<scratch dir> (-DTRACE=<file> | -DFUZZ=1) [-DFIXED=<file>]
#       -P repro_test.cmake
foreach(v PROG DIR CC WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "repro_test.cmake: -D${v}= is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
separate_arguments(cflags UNIX_COMMAND "${CFLAGS}")
separate_arguments(ldflags UNIX_COMMAND "${LDFLAGS}")

# run(NAME command...): output into NAME_out, exit status into NAME_rc.
function(run name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REPLACE "\r" "" out "${out}")
  set(${name}_rc "${rc}" PARENT_SCOPE)
  set(${name}_out "${out}" PARENT_SCOPE)
endfunction()

# 1. the finding
if(FUZZ)
  run(fz ${EMU} ${PROG} fuzz --runs 3000 --seed 1 --out ${WORK}/found
      --quiet)
  file(GLOB found ${WORK}/found/*.trace)
  list(LENGTH found nfound)
  if(NOT fz_rc EQUAL 1 OR NOT nfound EQUAL 1)
    message(FATAL_ERROR "fuzz: exit ${fz_rc}, ${nfound} traces saved; "
            "expected 1 and one finding:\n${fz_out}")
  endif()
  set(TRACE ${found})
endif()
run(rp ${EMU} ${PROG} replay --target hlib ${TRACE})
if(NOT rp_out MATCHES "FOUND [^\n]*: ([a-z-]+)[^\n]* at step ([0-9]+) of")
  message(FATAL_ERROR "${TRACE}: not a finding (exit ${rp_rc}):\n${rp_out}")
endif()
set(verdict ${CMAKE_MATCH_1})
set(step ${CMAKE_MATCH_2})

# 2. its reproducer, run: the failure at the finding's step
function(write_repro trace c)
  run(w ${EMU} ${PROG} repro --target hlib ${trace} -o ${c})
  if(w_rc EQUAL 0 AND NOT EXISTS ${c} AND w_out STREQUAL "")
    # a Wine process killed with a shared wineserver exits 0 having done
    # nothing, which closeonce never does: once more
    run(w ${EMU} ${PROG} repro --target hlib ${trace} -o ${c})
  endif()
  set(w_rc "${w_rc}" PARENT_SCOPE)
  set(w_out "${w_out}" PARENT_SCOPE)
endfunction()
set(c ${WORK}/repro.c)
write_repro(${TRACE} ${c})
if(NOT w_rc EQUAL 0 OR NOT EXISTS ${c})
  message(FATAL_ERROR "repro ${TRACE}: exit ${w_rc}, no program:\n${w_out}")
endif()
file(READ ${c} text)
if(NOT text MATCHES
   "\n \\*   x86_64-w64-mingw32-gcc -std=c11 repro\\.c([^\n]*) -o repro\\.exe\n")
  message(FATAL_ERROR "${c}: no mingw-w64 build line")
endif()
set(line "${CMAKE_MATCH_1}")
separate_arguments(args UNIX_COMMAND "${line}")

# build_run(exe rc regex what args...): built in this directory with args,
# as the program says, and run; it exits rc and its output matches regex;
# the output in run_out.
function(build_run exe want regex what)
  run(cc ${CC} ${cflags} -std=c11 -Wall -Wextra -Werror ${c} ${ARGN}
      -o ${exe} ${ldflags})
  if(NOT cc_rc EQUAL 0)
    message(FATAL_ERROR "${c} (${ARGN}): does not compile:\n${cc_out}")
  endif()
  run(x ${EMU} ${exe})
  if(NOT x_rc EQUAL want OR NOT x_out MATCHES "${regex}")
    message(FATAL_ERROR "${TRACE}: ${what}: the program exits ${x_rc}, "
            "expected ${want} and '${regex}':\n${x_out}")
  endif()
  set(run_out "${x_out}" PARENT_SCOPE)
endfunction()
build_run(${WORK}/repro.exe 1 "\nFAILS at step ${step}:" ${verdict} ${args})
if(NOT run_out MATCHES "^invalid-parameter handler installed")
  message(FATAL_ERROR "${TRACE}: the program does not report the handler:\n"
          "${run_out}")
endif()
string(REGEX MATCH "FAILS at step [^\n]*" fails "${run_out}")
message(STATUS "${TRACE}: ${verdict} at step ${step}; its program: ${fails}")

# 3. the other way
if(line MATCHES " -D(HLIB|APP)_PLANTED_BUG=[0-9]+")
  string(REGEX REPLACE " -D(HLIB|APP)_PLANTED_BUG=[0-9]+" "" fixed "${line}")
  separate_arguments(fixedargs UNIX_COMMAND "${fixed}")
  build_run(${WORK}/fixed.exe 0 "\nno failure" "the fixed library (${fixed})"
            ${fixedargs})
  message(STATUS "the fixed library (repro.c${fixed}): no failure")
elseif(FIXED)
  run(f ${EMU} ${PROG} replay --target hlib ${FIXED})
  if(NOT f_rc EQUAL 0 OR NOT f_out MATCHES "1 ok, 0 findings")
    message(FATAL_ERROR "the fix ${FIXED}: exit ${f_rc}, expected a clean "
            "replay:\n${f_out}")
  endif()
  write_repro(${FIXED} ${WORK}/fixed.c)
  if(NOT w_rc EQUAL 2 OR EXISTS ${WORK}/fixed.c OR
     NOT w_out MATCHES "no finding")
    message(FATAL_ERROR "repro of the fix ${FIXED}: exit ${w_rc}, expected 2, "
            "no finding, no file:\n${w_out}")
  endif()
  message(STATUS "the fix ${FIXED}: clean, no program to write")
else()
  message(FATAL_ERROR "${TRACE}: neither a planted library nor a FIXED trace "
          "to run the other way")
endif()
