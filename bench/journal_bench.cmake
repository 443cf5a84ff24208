# journal_bench: group commit against a plain append + fdatasync loop of the same bytes per sync,
# in the same run on the same disk. `journal_bench --json` prints one JSON line per
# group size.
add_executable(journal_bench ${CMAKE_CURRENT_LIST_DIR}/journal_bench.cc)
target_link_libraries(journal_bench PRIVATE ringdb::ringdb spdlog::spdlog)
target_include_directories(journal_bench PRIVATE ${PROJECT_SOURCE_DIR})
ringdb_warnings(journal_bench)
ringdb_sanitize(journal_bench)
