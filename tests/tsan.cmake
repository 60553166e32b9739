# The ThreadSanitizer build of tests/test_threads.c, as one ctest test
# (threads/tsan): configure a build of these sources with clang and
# CO_SANITIZE=thread (no libs/, no fuzz engine), build test_threads_tsan
# only, and run each of its cases, halting at the first report.
# -DSRC=<closeonce sources> -DBIN=<this build> -DCC=<clang>
# -DCASES=<case;case...>
set(work ${BIN}/tsan-build)

include(${CMAKE_CURRENT_LIST_DIR}/run_step.cmake)

run(${CMAKE_COMMAND} -S ${SRC} -B ${work} -DCMAKE_C_COMPILER=${CC}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCO_SANITIZE=thread -DCO_LIBS=OFF
    -DCO_FUZZ_ENGINE=none -DCO_WERROR=ON)
run(${CMAKE_COMMAND} --build ${work} --target test_threads_tsan)
# TSan keeps one table of descriptor numbers for the process and takes two
# threads' calls on one number for accesses to one object; here each thread
# has a descriptor table of its own (unshare(CLONE_FILES)), so those
# reports are false (and clang 14's TSan trips an internal CHECK on them).
# ignore_interceptors_accesses drops what the libc interceptors record
# (descriptors, and the bytes memcpy and the like touch); every access the
# instrumented code makes, where a static would be, is still checked.
set(opts ignore_interceptors_accesses=1)
foreach(c IN LISTS CASES)
  run(${CMAKE_COMMAND} -E env
      "TSAN_OPTIONS=halt_on_error=1:exitcode=66:${opts}"
      ${work}/tests/test_threads_tsan ${c})
  message(STATUS "${last_output}")
endforeach()
list(LENGTH CASES n)
message(STATUS "threads under ThreadSanitizer: ${n} cases passed, no report")
