# Warnings as errors for our own targets only; never put on the library target.
function(pidalloc_strict_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)
endfunction()
