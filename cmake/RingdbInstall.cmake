include(CMakePackageConfigHelpers)

install(TARGETS ringdb EXPORT ringdbTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/ringdb DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/ringdb/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ringdb)
install(EXPORT ringdbTargets NAMESPACE ringdb:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ringdb)

configure_package_config_file(cmake/ringdbConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ringdbConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ringdb)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ringdbConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ringdbConfig.cmake ${PROJECT_BINARY_DIR}/ringdbConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ringdb)

configure_file(cmake/ringdb.pc.in ${PROJECT_BINARY_DIR}/ringdb.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ringdb.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
