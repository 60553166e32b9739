# The kit on Windows, as a Windows library author uses it: install this
# mingw-w64 build of closeonce into a prefix, then build examples/hlib (a
# HANDLE-owning library and its adapter) three ways and run them under
# Wine:
#   1. find_package(closeonce) with the toolchain file, and its ctest (the
#      adapter's campaign and corpus replay, under Wine);
#   2. add_subdirectory() of the closeonce sources, and its ctest;
#   3. one compiler command (the library, its headers, -lcloseonce -lvfd -lws2_32).
# Then the story: the client's mistakes (mistakes/) are reported; the
# planted library (hlib_export handing out the HANDLE it lends) is found
# by fuzzing and shrunk.
# cmake -DSRC=<sources> -DBIN=<this build> -DCRT=<msvcrt|ucrt>
#       -DTOOLCHAIN=<this build's toolchain file> -DCC=<its compiler>
#       -DCCFLAGS=<its C and link flags> -DEMULATOR=<wine>
#       -P hlib_example.cmake
set(work ${BIN}/hlib-example)
set(prefix ${work}/prefix)
set(example ${SRC}/examples/hlib)
set(toolchain ${TOOLCHAIN})
separate_arguments(ccflags UNIX_COMMAND "${CCFLAGS}")
file(REMOVE_RECURSE ${work})
include(${SRC}/tests/run_step.cmake)

# run_expect(rc regex command...): the command exits rc, its output matches.
function(run_expect want regex)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  string(REPLACE ";" " " cmd "${ARGN}")
  if(NOT "${rc}" STREQUAL "${want}")
    message(FATAL_ERROR "exit ${rc}, expected ${want}: ${cmd}\n${out}")
  endif()
  if(NOT out MATCHES "${regex}")
    message(FATAL_ERROR "output does not match '${regex}': ${cmd}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BIN} --prefix ${prefix})
set(common -DCMAKE_TOOLCHAIN_FILE=${toolchain} -DCO_CRT=${CRT}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo)

# 1. find_package with the toolchain file
run(${CMAKE_COMMAND} -S ${example} -B ${work}/find
    -DCMAKE_PREFIX_PATH=${prefix} ${common})
run(${CMAKE_COMMAND} --build ${work}/find)
run(${CMAKE_CTEST_COMMAND} --test-dir ${work}/find --output-on-failure)
if(NOT last_output MATCHES "hlib-closeonce/fuzz" OR
   NOT last_output MATCHES "hlib-closeonce/replay" OR
   NOT last_output MATCHES "hlib-repro/reverse-get-osfhandle" OR
   NOT last_output MATCHES "100% tests passed")
  message(FATAL_ERROR "find_package build: the adapter's tests did not run:\n"
          "${last_output}")
endif()
message(STATUS "find_package: ${last_output}")
set(prog ${work}/find/hlib-closeonce.exe)

# The story, reported: the lent HANDLE given to _open_osfhandle, and the
# reverse (_get_osfhandle's HANDLE adopted by hlib).
run_expect(1 "lent-handle-to-open-osfhandle.trace: ownership-violation at step 2 of 5.*reverse-get-osfhandle.trace: ownership-violation at step 3 of 6.*0 ok, 2 findings"
           ${EMULATOR} ${prog} replay ${example}/mistakes)
run_expect(0 "10 ok, 0 findings" ${EMULATOR} ${prog} replay ${example}/corpus)

# The story's bug planted in the library, found by fuzzing and shrunk.
run(${CMAKE_COMMAND} -S ${example} -B ${work}/planted
    -DCMAKE_PREFIX_PATH=${prefix} -DHLIB_PLANTED_BUG=1 ${common})
run(${CMAKE_COMMAND} --build ${work}/planted)
# its findings' Win32 reproducers, both ways (examples/hlib/repro_test.cmake)
run_expect(0 "hlib-repro/planted-fuzz-finding .*Passed.*100% tests passed, 0 tests failed out of 2"
           ${CMAKE_CTEST_COMMAND} --test-dir ${work}/planted -R hlib-repro
           --output-on-failure)
run_expect(1 "ownership-violation.hlib.two-owners.hlib_export.*>   1  s0 = hlib_export o0.*reproducer: .*hlib-ownership-violation.hlib.two-owners.hlib_export.trace .2 operations"
           ${CMAKE_COMMAND} -E chdir ${work}/planted ${EMULATOR}
           ${work}/planted/hlib-closeonce.exe fuzz --runs 3000 --seed 1)
message(STATUS "planted, fuzz: ${last_output}")
run_expect(1 "export-to-open-osfhandle.trace: ownership-violation by layer hlib at step 1 of 7"
           ${EMULATOR} ${work}/planted/hlib-closeonce.exe replay
           ${example}/corpus)

# The story's bug in the client's own code (app.c: _open_osfhandle of the
# HANDLE hlib lends), a layer of the same program (CO_KIT_MAIN_LAYERS):
# found by fuzzing at app_crt_fd's own step, shrunk; the fixed bridge
# (DuplicateHandle first) is the find_package build's campaign above.
run(${CMAKE_COMMAND} -S ${example} -B ${work}/app-planted
    -DCMAKE_PREFIX_PATH=${prefix} -DAPP_PLANTED_BUG=1 ${common})
run(${CMAKE_COMMAND} --build ${work}/app-planted)
run_expect(1 "app_crt_fd .layer app. made o0 over HANDLE 0x[0-9a-f]+ itself, not a duplicate.*>   1  o0 = app_crt_fd s0 rw.*reproducer: .*hlib-ownership-violation.app.two-owners.app_crt_fd.trace .2 operations"
           ${CMAKE_COMMAND} -E chdir ${work}/app-planted ${EMULATOR}
           ${work}/app-planted/hlib-closeonce.exe fuzz --runs 3000 --seed 1)
message(STATUS "app planted, fuzz: ${last_output}")
run_expect(1 "app-bridge-duplicate.trace: ownership-violation by layer app at step 2 of 7.*9 ok, 1 finding"
           ${EMULATOR} ${work}/app-planted/hlib-closeonce.exe replay
           ${example}/corpus)
# its reproducer (examples/hlib/repro_test.cmake): exit 1 at the step with
# the planted bridge, no failure built without -DAPP_PLANTED_BUG=1
run_expect(0 "100% tests passed, 0 tests failed out of 1"
           ${CMAKE_CTEST_COMMAND} --test-dir ${work}/app-planted -R hlib-repro
           --output-on-failure)
message(STATUS "app planted, reproducer: ${last_output}")

# Both planted bugs in one run: keep-going names each, the leak blamed on
# hlib at its own step; a fresh process is not available on Windows.
run(${CMAKE_COMMAND} -S ${example} -B ${work}/planted3
    -DCMAKE_PREFIX_PATH=${prefix} -DHLIB_PLANTED_BUG=3 ${common})
run(${CMAKE_COMMAND} --build ${work}/planted3)
run_expect(1 "leak by layer hlib at step [0-9]+ of [0-9]+.*>   [0-9]+  hlib_close o0.*not confirmed in a fresh process: a fresh process is not available on Windows.*2 distinct bugs"
           ${CMAKE_COMMAND} -E chdir ${work}/planted3 ${EMULATOR}
           ${work}/planted3/hlib-closeonce.exe fuzz --keep-going --runs 3000
           --seed 1 --quiet)
foreach(bug leak.hlib.left-open.hlib_close ownership-violation.hlib.two-owners.hlib_export)
  if(NOT last_output MATCHES "\n  bug +${bug} ")
    message(FATAL_ERROR "keep-going: ${bug} is not in the summary:\n"
            "${last_output}")
  endif()
endforeach()

# 2. add_subdirectory of the sources
run(${CMAKE_COMMAND} -S ${example} -B ${work}/sub -DCLOSEONCE_SOURCE_DIR=${SRC}
    -DCO_TESTS=OFF -DCO_BENCH=OFF ${common})
run(${CMAKE_COMMAND} --build ${work}/sub -j 2 --target hlib-closeonce)
# (its ctest tests are the find_package build's, run above: here the
# program built this way, on the corpus)
run_expect(0 "10 ok, 0 findings" ${EMULATOR} ${work}/sub/hlib-closeonce.exe
           replay ${example}/corpus)
message(STATUS "add_subdirectory: ${last_output}")

# 3. one compiler command: the build's compiler and flags (the toolchain
# file's: the C runtime, the target), warnings are errors
file(MAKE_DIRECTORY ${work}/cc)
run(${CC} -std=c11 ${ccflags} -Wall -Wextra -Werror
    -o ${work}/cc/hlib-closeonce.exe ${example}/adapter.c ${example}/app_adapter.c
    ${example}/hlib.c ${example}/app.c
    -I${example} -I${prefix}/include -L${prefix}/lib -lcloseonce -lvfd -lws2_32)
run_expect(0 "10 ok, 0 findings" ${EMULATOR} ${work}/cc/hlib-closeonce.exe
           replay ${example}/corpus)
message(STATUS "one compiler command: ${last_output}")
