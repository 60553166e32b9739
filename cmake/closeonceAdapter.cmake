# closeonce_add_adapter(NAME SOURCES src... [LIBS lib...] [CORPUS dir]
#                       [RUNS n] [SEED s])
#
# Builds NAME, a closeonce program for your adapter (its main calls
# co_kit_main), and registers ctest tests:
#   NAME/fuzz    a bounded contract-mode campaign (RUNS traces, default 5000)
#   NAME/replay  every trace in CORPUS, if given
# Both fail on any finding. Works after find_package(closeonce) and after
# add_subdirectory() of the closeonce sources.
function(closeonce_add_adapter name)
  cmake_parse_arguments(A "" "CORPUS;RUNS;SEED" "SOURCES;LIBS" ${ARGN})
  if(NOT A_SOURCES)
    message(FATAL_ERROR "closeonce_add_adapter(${name}): SOURCES is required")
  endif()
  if(NOT A_RUNS)
    set(A_RUNS 5000)
  endif()
  if(NOT A_SEED)
    set(A_SEED 1)
  endif()
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE closeonce::closeonce ${A_LIBS})
  add_test(NAME ${name}/fuzz
           COMMAND ${name} fuzz --runs ${A_RUNS} --seed ${A_SEED} --quiet)
  if(A_CORPUS)
    add_test(NAME ${name}/replay COMMAND ${name} replay ${A_CORPUS})
  endif()
endfunction()
