# Warnings are applied PRIVATE to our own targets only.
function(doctown_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Wno-missing-field-initializers)
  if(DOCTOWN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
