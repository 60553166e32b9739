# The kit, as a library author uses it: install closeonce, then build the
# example external project (examples/bytesink) three ways and run its tests:
#   1. find_package(closeonce) against the installed package;
#   2. add_subdirectory() of the closeonce sources;
#   3. a plain compiler command with pkg-config.
# -DSRC=<closeonce sources> -DBIN=<closeonce build> -DCC=<compiler>
# -DSANITIZE=<CO_SANITIZE value, may be empty>
set(work ${BIN}/kit-test)
set(prefix ${work}/prefix)
set(example ${SRC}/examples/bytesink)
file(REMOVE_RECURSE ${work})

include(${CMAKE_CURRENT_LIST_DIR}/run_step.cmake)

run(${CMAKE_COMMAND} --install ${BIN} --prefix ${prefix})
foreach(f include/closeonce/kit.h lib/libcloseonce.a bin/closeonce
          lib/cmake/closeonce/closeonceConfig.cmake lib/pkgconfig/closeonce.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install did not produce ${f}")
  endif()
endforeach()

# (the example's fuzz engines: engines_example.sh)
set(common -DCMAKE_C_COMPILER=${CC} -DCMAKE_BUILD_TYPE=RelWithDebInfo
    -DBYTESINK_ENGINES=)

# 1. find_package against the installed package
run(${CMAKE_COMMAND} -S ${example} -B ${work}/find -DCMAKE_PREFIX_PATH=${prefix}
    ${common})
run(${CMAKE_COMMAND} --build ${work}/find)
run(${CMAKE_CTEST_COMMAND} --test-dir ${work}/find --output-on-failure)
message(STATUS "find_package: ${last_output}")

# 2. add_subdirectory of the sources
run(${CMAKE_COMMAND} -S ${example} -B ${work}/sub
    -DCLOSEONCE_SOURCE_DIR=${SRC} -DCO_SANITIZE=${SANITIZE} ${common})
run(${CMAKE_COMMAND} --build ${work}/sub -j 2)
run(${CMAKE_CTEST_COMMAND} --test-dir ${work}/sub --output-on-failure)
message(STATUS "add_subdirectory: ${last_output}")

# 3. pkg-config and one compiler command
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(pkg-config --cflags --libs closeonce)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
set(san)
if(SANITIZE)
  set(san -fsanitize=${SANITIZE})
endif()
file(MAKE_DIRECTORY ${work}/pc)
run(${CC} ${san} -std=c11 -o ${work}/pc/bytesink-closeonce
    ${example}/adapter.c ${example}/bytesink.c ${flags})
run(${work}/pc/bytesink-closeonce replay ${example}/corpus)
message(STATUS "pkg-config: ${last_output}")
run(${work}/pc/bytesink-closeonce fuzz --runs 5000 --seed 2 --quiet)
message(STATUS "pkg-config fuzz: ${last_output}")
