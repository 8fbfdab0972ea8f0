# Installation: library, headers (FILE_SET), CLI, data, CMake package config with exported
# targets under the doctown:: namespace, and our FindLibClang.cmake for find_dependency.
include(CMakePackageConfigHelpers)

set(DOCTOWN_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/doctown")

install(TARGETS doctown EXPORT doctownTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS doctown-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT doctownTargets NAMESPACE doctown:: DESTINATION "${DOCTOWN_CMAKE_DIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/doctownConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/doctownConfig.cmake" INSTALL_DESTINATION "${DOCTOWN_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/doctownConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/doctownConfig.cmake"
              "${PROJECT_BINARY_DIR}/doctownConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FindLibClang.cmake"
        DESTINATION "${DOCTOWN_CMAKE_DIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/data/" DESTINATION "${CMAKE_INSTALL_DATADIR}/doctown")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/doctown")
