# Fuzz programs, one pair per target of the target list
# (harness/targets.def, read by cmake/closeonceTargets.cmake):
#   replay-<target>  fuzz/target.c + fuzz/replay_main.c (always; no fuzzing
#                    runtime)
#   fuzz-<target>    fuzz/target.c with the engine (CO_FUZZ_ENGINE
#                    libfuzzer or afl; oss-fuzz: linked with
#                    CO_LIB_FUZZING_ENGINE, the flags are the build's own)
# both compiled with -DCO_TARGET_NAME="<target>", and the binary seeds of
# its corpus folder (the list's corpus column) in
# ${CMAKE_BINARY_DIR}/seeds/<target> (closeonce encode, at build time) with
# a dictionary of its operation records in ${CMAKE_BINARY_DIR}/seeds/
# <target>.dict. With an engine, the target fuzz-programs builds every
# fuzz-<target>, and ${CMAKE_BINARY_DIR}/fuzz-targets.txt names the targets,
# one a line (what .clusterfuzzlite/build.sh copies to $OUT).
set(CO_FUZZ_TARGETS ${CO_TARGETS})
set(CO_SEEDS_DIR ${CMAKE_BINARY_DIR}/seeds)
if(CO_FUZZ_ENGINE STREQUAL "oss-fuzz")
  separate_arguments(co_lib_fuzzing_engine UNIX_COMMAND
                     "${CO_LIB_FUZZING_ENGINE}")
endif()

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
set(co_fuzz_programs)
foreach(t IN LISTS CO_FUZZ_TARGETS)
  add_executable(replay-${t} $<TARGET_OBJECTS:co_replay_main>)
  co_fuzz_program(replay-${t} ${t})
  target_link_libraries(replay-${t} PRIVATE ${CO_NOFUZZ_RUNTIME})
  if(NOT CO_FUZZ_ENGINE STREQUAL "none")
    add_executable(fuzz-${t})
    co_fuzz_program(fuzz-${t} ${t})
    if(CO_FUZZ_ENGINE STREQUAL "oss-fuzz")
      target_link_libraries(fuzz-${t} PRIVATE ${co_lib_fuzzing_engine})
    else()
      target_compile_options(fuzz-${t} PRIVATE -fsanitize=fuzzer)
      target_link_options(fuzz-${t} PRIVATE -fsanitize=fuzzer)
    endif()
    list(APPEND co_fuzz_programs fuzz-${t})
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
if(co_fuzz_programs)
  add_custom_target(fuzz-programs)
  add_dependencies(fuzz-programs ${co_fuzz_programs})
  string(JOIN "\n" co_list ${CO_FUZZ_TARGETS})
  file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/fuzz-targets.txt
       CONTENT "${co_list}\n" @ONLY)
endif()
