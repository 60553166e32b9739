# Runs a Criterion test binary with --list at build time and writes one
# ctest test per Criterion test (like gtest_discover_tests), so that ctest
# counts and reports each test case.
#
# Script mode: -DBIN=<binary> -DOUT=<file.cmake> -DNAME=<prefix>
if(CMAKE_SCRIPT_MODE_FILE)
  execute_process(COMMAND "${BIN}" --list
                  OUTPUT_VARIABLE listing ERROR_VARIABLE listing_err
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} --list failed (${rc}): ${listing_err}")
  endif()
  string(REPLACE "\n" ";" lines "${listing}")
  set(content "")
  set(suite "")
  set(count 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Za-z0-9_]+): [0-9]+ tests?$")
      set(suite "${CMAKE_MATCH_1}")
    elseif(line MATCHES "([A-Za-z0-9_]+)[ \t]*$" AND suite)
      set(test "${CMAKE_MATCH_1}")
      string(APPEND content
        "add_test([=[${NAME}/${suite}/${test}]=] \"${BIN}\" \"--filter=${suite}/${test}\")\n"
        "set_tests_properties([=[${NAME}/${suite}/${test}]=] PROPERTIES "
        "PASS_REGULAR_EXPRESSION [=[Tested: 1 \\| Passing: 1 \\| Failing: 0 \\| Crashing: 0]=] "
        "TIMEOUT 300)\n")
      math(EXPR count "${count} + 1")
    endif()
  endforeach()
  if(count EQUAL 0)
    message(FATAL_ERROR "${BIN} lists no tests")
  endif()
  file(WRITE "${OUT}" "${content}")
  return()
endif()

function(co_criterion_test name)
  add_executable(${name} ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}_tests.cmake")
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:${name}> -DOUT=${out}
            -DNAME=${name} -P ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${out}")
endfunction()
