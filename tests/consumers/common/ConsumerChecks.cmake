# Checks shared by the CMake consumer projects. Each fails the consumer's configure step with a
# message naming what the package got wrong.

set(PIDALLOC_CONSUMER_SOURCE "${CMAKE_CURRENT_LIST_DIR}/consumer.cpp")

# The library target must carry the include path and C++20 and nothing else: no compile options
# (warnings), definitions, link libraries or link options leak into a consumer's targets.
# `expected_include_dir`: the one include directory the consumer must get.
function(pidalloc_check_library_target target expected_include_dir)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "${target} is not defined")
  endif()
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    message(FATAL_ERROR "${target} is a ${type}, expected an INTERFACE_LIBRARY (header-only)")
  endif()
  foreach(property INTERFACE_COMPILE_OPTIONS INTERFACE_COMPILE_DEFINITIONS INTERFACE_LINK_LIBRARIES
                   INTERFACE_LINK_OPTIONS INTERFACE_PRECOMPILE_HEADERS INTERFACE_SOURCES)
    get_target_property(value ${target} ${property})
    if(value)
      message(FATAL_ERROR "${target} imposes ${property} '${value}' on its consumers")
    endif()
  endforeach()
  get_target_property(features ${target} INTERFACE_COMPILE_FEATURES)
  if(NOT features STREQUAL "cxx_std_20")
    message(FATAL_ERROR "${target}: INTERFACE_COMPILE_FEATURES is '${features}', expected cxx_std_20")
  endif()
  get_target_property(includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
  # A target defined by add_subdirectory/FetchContent carries build- and install-tree paths;
  # its consumers get the build-tree one.
  if(includes MATCHES "\\$<BUILD_INTERFACE:([^>]+)>")
    set(includes "${CMAKE_MATCH_1}")
  endif()
  list(LENGTH includes include_count)
  if(NOT include_count EQUAL 1)
    message(FATAL_ERROR "${target}: expected one include directory, got '${includes}'")
  endif()
  file(REAL_PATH "${expected_include_dir}" expected)
  file(REAL_PATH "${includes}" actual)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${target}: include directory ${actual}, expected ${expected}")
  endif()
endfunction()

# Collects the build-system targets defined in `dir` and every directory below it.
function(pidalloc_targets_below dir out_var)
  get_directory_property(targets DIRECTORY "${dir}" BUILDSYSTEM_TARGETS)
  get_directory_property(subdirs DIRECTORY "${dir}" SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    pidalloc_targets_below("${subdir}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out_var} "${targets}" PARENT_SCOPE)
endfunction()

# Run after add_subdirectory/FetchContent_MakeAvailable: as a subproject, pid_allocator must
# configure its library target and nothing else, and must leave the consumer's settings alone.
# `cxx_flags_before`: the consumer's CMAKE_CXX_FLAGS from before the dependency was added.
function(pidalloc_check_subproject source_dir cxx_flags_before)
  foreach(option PIDALLOC_BUILD_TESTS PIDALLOC_BUILD_EXAMPLES PIDALLOC_BUILD_BENCHMARKS PIDALLOC_INSTALL)
    if(NOT DEFINED CACHE{${option}})
      message(FATAL_ERROR "option ${option} is not in the cache: did the dependency configure at all?")
    endif()
    if($CACHE{${option}})
      message(FATAL_ERROR "${option} is ON for a subproject; it must default to OFF")
    endif()
  endforeach()

  get_directory_property(subdirs DIRECTORY "${source_dir}" SUBDIRECTORIES)
  if(subdirs)
    message(FATAL_ERROR "the dependency configured subdirectories (tests/examples/bench?): ${subdirs}")
  endif()
  pidalloc_targets_below("${source_dir}" targets)
  if(NOT targets STREQUAL "pid_allocator")
    message(FATAL_ERROR "the dependency defined targets '${targets}'; expected only pid_allocator")
  endif()
  if(TARGET pid_allocator_tests)
    message(FATAL_ERROR "pid_allocator_tests exists: the dependency's tests were configured")
  endif()
  if(DEFINED BUILD_TESTING OR DEFINED CACHE{BUILD_TESTING})
    message(FATAL_ERROR "BUILD_TESTING is defined: the dependency included CTest")
  endif()
  if(COMMAND pidalloc_strict_warnings)
    message(FATAL_ERROR "the dependency loaded its warnings module into the consumer's build")
  endif()

  if(NOT CMAKE_CXX_FLAGS STREQUAL cxx_flags_before)
    message(FATAL_ERROR "CMAKE_CXX_FLAGS changed from '${cxx_flags_before}' to '${CMAKE_CXX_FLAGS}'")
  endif()
  foreach(variable CMAKE_CXX_STANDARD CMAKE_CXX_EXTENSIONS CMAKE_CXX_STANDARD_REQUIRED
                   CMAKE_COMPILE_WARNING_AS_ERROR CMAKE_POSITION_INDEPENDENT_CODE)
    if(DEFINED ${variable})
      message(FATAL_ERROR "${variable} is set ('${${variable}}') after adding the dependency")
    endif()
  endforeach()
  foreach(dir "${CMAKE_CURRENT_SOURCE_DIR}" "${source_dir}")
    foreach(property COMPILE_OPTIONS COMPILE_DEFINITIONS LINK_OPTIONS)
      get_directory_property(value DIRECTORY "${dir}" ${property})
      if(value)
        message(FATAL_ERROR "directory ${dir} has ${property} '${value}'")
      endif()
    endforeach()
  endforeach()
endfunction()

# The consumer program, told which version the build system found.
function(pidalloc_add_consumer name version)
  if(NOT version MATCHES "^([0-9]+)\\.([0-9]+)\\.([0-9]+)$")
    message(FATAL_ERROR "the package reported version '${version}', expected MAJOR.MINOR.PATCH")
  endif()
  add_executable(${name} "${PIDALLOC_CONSUMER_SOURCE}")
  target_link_libraries(${name} PRIVATE pid_allocator::pid_allocator)
  target_compile_definitions(${name} PRIVATE
    EXPECTED_VERSION_MAJOR=${CMAKE_MATCH_1} EXPECTED_VERSION_MINOR=${CMAKE_MATCH_2}
    EXPECTED_VERSION_PATCH=${CMAKE_MATCH_3} CONSUMER_USES_HOSTED=1)
endfunction()
