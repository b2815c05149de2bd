# Catch2 v3 for the unit suite, as Catch2::Catch2WithMain plus the catch_discover_tests() command.
#   PIDALLOC_CATCH2_SOURCE_DIR set: Catch2's amalgamated source from that tree (Debian's source
#     package, unpacked by scripts/deps.sh --catch2-source), compiled for the target at hand. The
#     -m32, cross and MinGW-w64 builds take this route: Debian's libcatch2-dev is built for amd64 only.
#   otherwise: an installed Catch2 (find_package); failing that, upstream's tag through FetchContent.
if(PIDALLOC_CATCH2_SOURCE_DIR)
  set(_catch2 "${PIDALLOC_CATCH2_SOURCE_DIR}")
  if(NOT EXISTS "${_catch2}/extras/catch_amalgamated.cpp")
    message(FATAL_ERROR "PIDALLOC_CATCH2_SOURCE_DIR=${_catch2} holds no extras/catch_amalgamated.cpp")
  endif()
  # Forwarding headers, so that the tests' #include <catch2/...> lines find the amalgamated header.
  set(_shim "${CMAKE_BINARY_DIR}/catch2-shim")
  file(GLOB_RECURSE _headers RELATIVE "${_catch2}/src" "${_catch2}/src/catch2/*.hpp")
  foreach(_header IN LISTS _headers)
    if(NOT EXISTS "${_shim}/${_header}")
      file(WRITE "${_shim}/${_header}" "#include <catch_amalgamated.hpp>\n")
    endif()
  endforeach()
  add_library(pidalloc_catch2 STATIC "${_catch2}/extras/catch_amalgamated.cpp")
  target_include_directories(pidalloc_catch2 SYSTEM PUBLIC "${_catch2}/extras" "${_shim}")
  target_compile_features(pidalloc_catch2 PUBLIC cxx_std_20)
  add_library(Catch2::Catch2WithMain ALIAS pidalloc_catch2)
  include("${_catch2}/extras/Catch.cmake")
  return()
endif()

include(FetchContent)
FetchContent_Declare(Catch2
  GIT_REPOSITORY https://github.com/catchorg/Catch2.git
  GIT_TAG v3.7.1
  GIT_SHALLOW TRUE
  FIND_PACKAGE_ARGS 3)
FetchContent_MakeAvailable(Catch2)
if(catch2_SOURCE_DIR)
  list(APPEND CMAKE_MODULE_PATH "${catch2_SOURCE_DIR}/extras")
endif()
include(Catch)
