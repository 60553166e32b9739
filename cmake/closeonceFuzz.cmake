# Fuzz programs, one pair per target of the target list
# (harness/targets.def, read by cmake/closeonceTargets.cmake):
#   replay-<target>  fuzz/target.c + fuzz/replay_main.c (always; no fuzzing
#                    runtime)
#   fuzz-<target>    fuzz/target.c with the engine (CO_FUZZ_ENGINE
#                    libfuzzer or afl)
# both compiled with -DCO_TARGET_NAME="<target>", and the binary seeds of
# its corpus folder (the list's corpus column) in
# ${CMAKE_BINARY_DIR}/seeds/<target> (closeonce encode, at build time) with
# a dictionary of its operation records in ${CMAKE_BINARY_DIR}/seeds/
# <target>.dict.
set(CO_FUZZ_TARGETS ${CO_TARGETS})
set(CO_SEEDS_DIR ${CMAKE_BINARY_DIR}/seeds)

add_library(co_replay_main OBJECT fuzz/replay_main.c)
target_link_libraries(co_replay_main PRIVATE closeonce_core)
target_compile_options(co_replay_main PRIVATE ${co_warnings})

# A fuzz program of target t: its entry point, compiled for t.
function(co_fuzz_program prog t)
  target_sources(${prog} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/target.c)
  target_compile_definitions(${prog} PRIVATE CO_TARGET_NAME="${t}")
  target_link_libraries(${prog} PRIVATE closeonce_core)
  target_compile_options(${prog} PRIVATE ${co_warnings})
  if(CO_TARGET_${t}_KIND STREQUAL "LIBS")
    target_compile_definitions(${prog} PRIVATE CO_TARGET_LIBS)
    target_link_libraries(${prog} PRIVATE closeonce_libs)
  endif()
endfunction()

set(co_seed_stamps)
foreach(t IN LISTS CO_FUZZ_TARGETS)
  add_executable(replay-${t} $<TARGET_OBJECTS:co_replay_main>)
  co_fuzz_program(replay-${t} ${t})
  target_link_libraries(replay-${t} PRIVATE ${CO_NOFUZZ_RUNTIME})
  if(NOT CO_FUZZ_ENGINE STREQUAL "none")
    add_executable(fuzz-${t})
    co_fuzz_program(fuzz-${t} ${t})
    target_compile_options(fuzz-${t} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz-${t} PRIVATE -fsanitize=fuzzer)
  endif()
  co_corpus_of(${t} c)
  file(GLOB traces CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpus/${c}/*.trace)
  set(stamp ${CO_SEEDS_DIR}/${t}.stamp)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${CO_SEEDS_DIR}/${t}
    COMMAND closeonce encode --target ${t} -o ${CO_SEEDS_DIR}/${t}
            --dict ${CO_SEEDS_DIR}/${t}.dict ${PROJECT_SOURCE_DIR}/corpus/${c}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS closeonce ${traces}
    COMMENT "Binary seeds for ${t} from corpus/${c}"
    VERBATIM)
  list(APPEND co_seed_stamps ${stamp})
endforeach()
add_custom_target(seeds ALL DEPENDS ${co_seed_stamps})
