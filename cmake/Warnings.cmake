# The strict warning set, spelled once. Our own targets get it (never the library target); the
# check scripts and non-CMake builds read it from here:
#   cmake -P cmake/Warnings.cmake      prints the flags on one line, space-separated
set(PIDALLOC_STRICT_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  list(JOIN PIDALLOC_STRICT_WARNINGS " " _pidalloc_flags)
  # stdout, unlike message(), so that a script can capture the line
  execute_process(COMMAND "${CMAKE_COMMAND}" -E echo "${_pidalloc_flags}")
  return()
endif()

function(pidalloc_strict_warnings target)
  target_compile_options(${target} PRIVATE ${PIDALLOC_STRICT_WARNINGS})
endfunction()
