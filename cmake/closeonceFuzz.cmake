# Fuzz targets: fuzz/<target>.c, each built as
#   replay-<target>  with fuzz/replay_main.c (always; no fuzzing runtime)
#   fuzz-<target>    with the engine (CO_FUZZ_ENGINE libfuzzer or afl)
# and the binary seeds of its text corpus in ${CMAKE_BINARY_DIR}/seeds/<target>
# (closeonce encode, at build time) with a dictionary of its operation
# records in ${CMAKE_BINARY_DIR}/seeds/<target>.dict. Planted-bug targets take the corpus of
# the library they plant into.
set(CO_FUZZ_VFD_PLANTED vfd-forget-flags vfd-evict-lent vfd-stale-window
    vfd-leak-on-fail vfd-evict-mru vfd-dup-shares-window vfd-close-twice)
set(CO_FUZZ_WIO_PLANTED wio-borrow-closes wio-take-leaks wio-take-fail-closes)
set(CO_FUZZ_TARGETS posix posix-stdio demo zlib vfd vfd-w1 wio demo-export-nodup
    demo-detach-closes demo-close-leaks ${CO_FUZZ_VFD_PLANTED}
    ${CO_FUZZ_WIO_PLANTED})
set(CO_FUZZ_CLEAN_TARGETS posix posix-stdio demo zlib vfd vfd-w1 wio)
# Real libraries' adapters (libs/, CO_LIBS): their programs also link
# closeonce_libs.
set(CO_FUZZ_LIB_TARGETS openssl bzip2 libarchive gio glib libevent libuv)
if(CO_LIBS)
  list(APPEND CO_FUZZ_TARGETS ${CO_FUZZ_LIB_TARGETS})
  list(APPEND CO_FUZZ_CLEAN_TARGETS ${CO_FUZZ_LIB_TARGETS})
endif()
set(CO_SEEDS_DIR ${CMAKE_BINARY_DIR}/seeds)

function(co_corpus_of target out)
  if(target MATCHES "^demo-")
    set(${out} demo PARENT_SCOPE)
  elseif(target MATCHES "^vfd-")
    set(${out} vfd PARENT_SCOPE)
  elseif(target MATCHES "^wio-")
    set(${out} wio PARENT_SCOPE)
  else()
    set(${out} ${target} PARENT_SCOPE)
  endif()
endfunction()

set(co_seed_stamps)
foreach(t IN LISTS CO_FUZZ_TARGETS)
  string(REPLACE "-" "_" id ${t})
  add_executable(replay-${t} fuzz/${id}.c fuzz/replay_main.c)
  target_link_libraries(replay-${t} PRIVATE closeonce_core ${CO_NOFUZZ_RUNTIME})
  if(t IN_LIST CO_FUZZ_LIB_TARGETS)
    target_link_libraries(replay-${t} PRIVATE closeonce_libs)
  endif()
  target_compile_options(replay-${t} PRIVATE ${co_warnings})
  if(NOT CO_FUZZ_ENGINE STREQUAL "none")
    add_executable(fuzz-${t} fuzz/${id}.c)
    target_link_libraries(fuzz-${t} PRIVATE closeonce_core)
    if(t IN_LIST CO_FUZZ_LIB_TARGETS)
      target_link_libraries(fuzz-${t} PRIVATE closeonce_libs)
    endif()
    target_compile_options(fuzz-${t} PRIVATE ${co_warnings} -fsanitize=fuzzer)
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
