# pidalloc_add_check(NAME <name> LABEL <family> [REQUIRES <program>...] [TIMEOUT <s>]
#                    COMMAND <command> [<arg>...])
# One CTest test of a check family. A check whose programs are not installed is registered all the
# same and exits 77, which CTest reports as skipped (SKIP_RETURN_CODE): scripts/test.sh installs
# them; a developer without qemu or wine still gets the rest. The check scripts exit 77 too when
# the machine cannot do what they need (no PID namespace, wine does not start).
function(pidalloc_add_check)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;LABEL;TIMEOUT" "REQUIRES;COMMAND")
  set(missing "")
  foreach(program IN LISTS arg_REQUIRES)
    string(MAKE_C_IDENTIFIER "PIDALLOC_PROGRAM_${program}" var)
    find_program(${var} "${program}")
    if(NOT ${var})
      list(APPEND missing "${program}")
    endif()
  endforeach()
  if(missing)
    list(JOIN missing ", " missing)
    set(arg_COMMAND sh -c "echo 'skipped: not installed: ${missing}'; exit 77")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  add_test(NAME ${arg_LABEL}.${arg_NAME} COMMAND ${arg_COMMAND}
           WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
  set_tests_properties(${arg_LABEL}.${arg_NAME} PROPERTIES
    LABELS ${arg_LABEL} SKIP_RETURN_CODE 77 TIMEOUT ${arg_TIMEOUT})
endfunction()
