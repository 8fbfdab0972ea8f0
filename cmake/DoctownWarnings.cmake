# Warnings are applied PRIVATE to our own targets only.
function(doctown_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Wno-missing-field-initializers)
  # GCC 12 reports -Wrestrict false positives inside std::string at -O3 (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(DOCTOWN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
