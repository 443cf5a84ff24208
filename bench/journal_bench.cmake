# journal_bench: group commit against a plain append + fdatasync loop of the same bytes per sync,
# in the same run on the same disk. `journal_bench --json` prints one JSON line per
# group size.
add_executable(journal_bench ${CMAKE_CURRENT_LIST_DIR}/journal_bench.cc)
target_link_libraries(journal_bench PRIVATE ringdb::ringdb spdlog::spdlog)
ringdb_folder_include(journal_bench PRIVATE bench)
ringdb_sees(journal_bench ringdb_journal)
ringdb_warnings(journal_bench)
ringdb_sanitize(journal_bench)
