// The directory an example works in: the one named as its first argument, or else a fresh
// temporary directory that is removed again when the example ends.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

class ExampleDir {
 public:
  ExampleDir(int argc, char** argv, const char* name) {
    if (argc > 1 && argv[1][0] != '\0') {
      path_ = argv[1];
      return;
    }
    std::string pattern =
        std::filesystem::temp_directory_path().string() + "/ringdb-" + name + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    path_ = pattern;
    temporary_ = true;
  }
  ExampleDir(const ExampleDir&) = delete;
  ExampleDir& operator=(const ExampleDir&) = delete;
  ~ExampleDir() {
    if (temporary_) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool temporary_ = false;
};
