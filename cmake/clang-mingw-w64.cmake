# Cross-compile for Windows with clang (--target=x86_64-w64-windows-gnu)
# against mingw-w64's headers and libraries, linked by lld, and run the
# programs under Wine: the second Windows compiler beside
# cmake/mingw-w64.cmake (gcc). Needs gcc-mingw-w64-x86-64 (the headers,
# the C-runtime import libraries, libgcc), clang and lld.
#
#   cmake -S . -B build/clang-w32 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/clang-mingw-w64.cmake [-DCO_CRT=ucrt]
#
# CO_CRT selects the C runtime as in cmake/mingw-w64.cmake: msvcrt
# (msvcrt.dll) or ucrt (ucrtbase.dll). clang's MinGW driver links -lmsvcrt
# unless the command line names -lucrt (or another -lmsvcr*), so UCRT is
# -D_UCRT at compile time and -lucrt at link time; lld resolves the
# archives in any order (docs/wine.md#toolchain).
#
# Every flag is in CMAKE_C_FLAGS / CMAKE_EXE_LINKER_FLAGS, so a test that
# compiles a program itself (the Win32 reproducers, the plain compiler
# line of examples/hlib) uses the same compiler line.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_AR x86_64-w64-mingw32-ar CACHE FILEPATH "")
set(CMAKE_RANLIB x86_64-w64-mingw32-ranlib CACHE FILEPATH "")
set(CMAKE_NM x86_64-w64-mingw32-nm CACHE FILEPATH "")
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
# Debian's layout: mingw-w64 in /usr/x86_64-w64-mingw32. Without a
# sysroot clang takes /usr as the base and searches /usr/include (the
# host's headers) and /usr/lib; it does not find libgcc either (the
# directory's name, 12-win32, is not a version it parses), so its
# directory is asked of mingw-w64's gcc.
set(CO_MINGW_ROOT /usr/x86_64-w64-mingw32 CACHE PATH "mingw-w64's root")
execute_process(COMMAND x86_64-w64-mingw32-gcc -print-libgcc-file-name
                OUTPUT_VARIABLE co_libgcc OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${co_libgcc}")
  message(FATAL_ERROR "x86_64-w64-mingw32-gcc -print-libgcc-file-name: "
          "no libgcc.a (install gcc-mingw-w64-x86-64)")
endif()
get_filename_component(co_libgcc_dir "${co_libgcc}" DIRECTORY)
set(CMAKE_FIND_ROOT_PATH ${CO_MINGW_ROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR wine)

set(CO_CRT "msvcrt" CACHE STRING "C runtime: msvcrt or ucrt")
set(co_cflags "--target=x86_64-w64-windows-gnu --sysroot=${CO_MINGW_ROOT}")
set(co_ldflags "-fuse-ld=lld -L${co_libgcc_dir}")
if(CO_CRT STREQUAL "ucrt")
  string(APPEND co_cflags " -D_UCRT")
  string(APPEND co_ldflags " -lucrt")
elseif(NOT CO_CRT STREQUAL "msvcrt")
  message(FATAL_ERROR "CO_CRT must be msvcrt or ucrt, not '${CO_CRT}'")
endif()
# mingw-w64's C99 printf (%zu, %lld) with either C runtime, as with gcc.
# libgcc is linked statically by clang's MinGW driver (-lgcc -lgcc_eh):
# the .exe files need no DLL beside them under Wine.
set(CMAKE_C_FLAGS_INIT "${co_cflags} -D__USE_MINGW_ANSI_STDIO=1")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${co_ldflags}")
