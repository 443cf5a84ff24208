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

# ringdb.pc finds the prefix from its own place (${pcfiledir}), so that an install moved or made
# with `cmake --install --prefix` elsewhere still points at itself. A static libringdb needs
# RocksDB, spdlog and fmt (spdlog's .pc requires it) on every link; a shared one carries them.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(RINGDB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(RINGDB_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(RINGDB_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH ringdb_pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" ringdb_pc_up "${ringdb_pc_up}")
  set(RINGDB_PC_PREFIX "\${pcfiledir}/${ringdb_pc_up}")
  set(RINGDB_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(RINGDB_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
if(BUILD_SHARED_LIBS)
  set(RINGDB_PC_REQUIRES "Requires.private: rocksdb spdlog")
else()
  set(RINGDB_PC_REQUIRES "Requires: rocksdb spdlog")
endif()
configure_file(cmake/ringdb.pc.in ${PROJECT_BINARY_DIR}/ringdb.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ringdb.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
