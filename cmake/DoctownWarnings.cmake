# Warnings are applied PRIVATE to our own targets only.
function(doctown_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
                         -Wno-missing-field-initializers)
  # GCC's -Wshadow=local (a local hiding a local) has no Clang spelling; Clang's -Wshadow is the
  # nearest, wider one (locals hiding members and globals too).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)
  else()
    target_compile_options(${target} PRIVATE -Wshadow)
  endif()
  # GCC 12 reports -Wrestrict false positives inside std::string at -O3 (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  # With -fsanitize, GCC 12's -Wmaybe-uninitialized fires inside std::regex and Beast (the
  # instrumentation hides initialisations from its analysis); file lists of exceptions kept
  # missing new tests, so the sanitizer build turns it off for all our targets. The Release
  # build keeps it.
  if(DOCTOWN_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(DOCTOWN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
