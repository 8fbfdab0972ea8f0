# FindLibClang
# ------------
# Finds libclang (the C API, clang-c/Index.h) of any LLVM version >= 14, preferring the newest.
# Defines the imported target LibClang::LibClang and LibClang_VERSION, LibClang_INCLUDE_DIR,
# LibClang_LIBRARY, LibClang_RESOURCE_DIR (builtin headers, when found).
# Hints: LibClang_ROOT or LLVM_ROOT (a prefix such as /usr/lib/llvm-16).

set(_libclang_versions 20 19 18 17 16 15 14)
set(_libclang_prefixes)
foreach(_v IN LISTS _libclang_versions)
  list(APPEND _libclang_prefixes "/usr/lib/llvm-${_v}")
endforeach()
if(LLVM_ROOT)
  list(PREPEND _libclang_prefixes "${LLVM_ROOT}")
endif()

find_path(LibClang_INCLUDE_DIR clang-c/Index.h
          HINTS ${LibClang_ROOT} PATHS ${_libclang_prefixes} PATH_SUFFIXES include)
find_library(LibClang_LIBRARY NAMES clang libclang
             HINTS ${LibClang_ROOT} PATHS ${_libclang_prefixes} PATH_SUFFIXES lib)

if(LibClang_INCLUDE_DIR)
  # The version of the headers, from the LLVM prefix they live in.
  get_filename_component(_libclang_prefix "${LibClang_INCLUDE_DIR}" DIRECTORY)
  if(_libclang_prefix MATCHES "llvm-([0-9]+)")
    set(LibClang_VERSION "${CMAKE_MATCH_1}")
  elseif(EXISTS "${_libclang_prefix}/lib/clang")
    file(GLOB _libclang_rd LIST_DIRECTORIES true "${_libclang_prefix}/lib/clang/*")
    list(GET _libclang_rd 0 _libclang_rd0)
    get_filename_component(LibClang_VERSION "${_libclang_rd0}" NAME)
  endif()
  file(GLOB _libclang_resource LIST_DIRECTORIES true "${_libclang_prefix}/lib/clang/*")
  if(_libclang_resource)
    list(SORT _libclang_resource)
    list(GET _libclang_resource -1 LibClang_RESOURCE_DIR)
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibClang
  REQUIRED_VARS LibClang_LIBRARY LibClang_INCLUDE_DIR
  VERSION_VAR LibClang_VERSION)

if(LibClang_FOUND AND NOT TARGET LibClang::LibClang)
  add_library(LibClang::LibClang UNKNOWN IMPORTED)
  set_target_properties(LibClang::LibClang PROPERTIES
    IMPORTED_LOCATION "${LibClang_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LibClang_INCLUDE_DIR}")
endif()
mark_as_advanced(LibClang_INCLUDE_DIR LibClang_LIBRARY)
