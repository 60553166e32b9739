# The example's reproducer (examples/bytesink against the installed
# package, as tests/external_example.cmake builds it): the kit program's own
# `repro` subcommand writes the client's double close as C; the program,
# built by the line it states in the example's directory (bytesink.c, no
# closeonce code), must fail at that step.
# -DSRC=<closeonce sources> -DBIN=<closeonce build> -DCC=<compiler>
set(work ${BIN}/kit-repro-example)
set(prefix ${work}/prefix)
set(example ${SRC}/examples/bytesink)
set(trace ${SRC}/tests/kit_repro/bytesink-client-closes.trace)
file(REMOVE_RECURSE ${work})
include(${SRC}/tests/run_step.cmake)

run(${CMAKE_COMMAND} --install ${BIN} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${example} -B ${work}/find
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run(${CMAKE_COMMAND} --build ${work}/find --target bytesink-closeonce)
run(${work}/find/bytesink-closeonce repro ${trace} -o ${work}/repro.c)

file(STRINGS ${work}/repro.c line REGEX "^ \\*   cc -std=c11 repro\\.c")
string(REGEX REPLACE "^ \\*   cc -std=c11 repro\\.c(.*) -o repro && \\./repro$"
       "\\1" args "${line}")
message(STATUS "build line: cc -std=c11 repro.c${args}")
if(NOT args MATCHES "bytesink\\.c")
  message(FATAL_ERROR "the program's build line names no bytesink.c: ${line}")
endif()
run(sh -c "${CC} -std=c11 -Wall -Wextra -Werror '${work}/repro.c' ${args} -o '${work}/repro'"
    WORKING_DIRECTORY ${example})
execute_process(COMMAND ${work}/repro RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE out)
message(STATUS "${out}")
if(NOT rc EQUAL 1 OR NOT out MATCHES "\nFAILS at step 2: ")
  message(FATAL_ERROR "the example's reproducer: exit ${rc}, expected 1 and "
                      "FAILS at step 2")
endif()
run(wc -l ${work}/repro.c)
string(REGEX MATCH "^ *[0-9]+" nlines "${last_output}")
string(STRIP "${nlines}" nlines)
message(STATUS "example reproducer: ${nlines} lines, fails at step 2 as "
               "reported")
