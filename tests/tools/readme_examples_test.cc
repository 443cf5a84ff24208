// Goal: the examples of README.md's "The `ringdb` command" section run as written, in order, on a
// new path, and print what the README shows. Method: read the section's first code block, run
// each `$ ` line with /bin/sh in a fresh directory with the built `ringdb` first on PATH, and
// compare its stdout and stderr with the lines below it. A `...` line stands for any number of
// lines; a line starting with a prefix in kVariablePrefixes is compared with its numbers masked.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util/temp_dir.h"
#include "tool_run.h"

namespace ringdb {
namespace {

// Lines whose numbers depend on the machine: RocksDB's bytes on disk.
constexpr const char* kVariablePrefixes[] = {"rocksdb: "};

struct Example {
  std::string command;
  std::vector<std::string> expected;
};

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    lines.push_back(line);
  }
  return lines;
}

// The first ``` block after the section heading, as commands and their expected output.
std::vector<Example> CommandSectionExamples(const std::string& readme) {
  const size_t section = readme.find("\n## The `ringdb` command\n");
  const size_t open = readme.find("```\n", section == std::string::npos ? 0 : section);
  const size_t close = readme.find("\n```", open + 4);
  if (section == std::string::npos || open == std::string::npos || close == std::string::npos) {
    return {};
  }
  std::vector<Example> examples;
  for (const std::string& line : SplitLines(readme.substr(open + 4, close - open - 4))) {
    if (line.starts_with("$ ")) {
      examples.push_back({line.substr(2), {}});
    } else if (!examples.empty()) {
      examples.back().expected.push_back(line);
    }
  }
  return examples;
}

std::string MaskDigits(const std::string& line) {
  std::string masked;
  bool in_number = false;
  for (const char c : line) {
    const bool digit = c >= '0' && c <= '9';
    if (!digit || !in_number) {
      masked += digit ? '#' : c;
    }
    in_number = digit;
  }
  return masked;
}

bool LineMatches(const std::string& expected, const std::string& actual) {
  for (const char* prefix : kVariablePrefixes) {
    if (expected.starts_with(prefix)) {
      return MaskDigits(expected) == MaskDigits(actual);
    }
  }
  return expected == actual;
}

// Whether actual[a..] matches expected[e..], a "..." line matching any run of lines.
bool LinesMatch(const std::vector<std::string>& expected, size_t e,
                const std::vector<std::string>& actual, size_t a) {
  if (e == expected.size()) {
    return a == actual.size();
  }
  if (expected[e] == "...") {
    for (size_t skip = a; skip <= actual.size(); ++skip) {
      if (LinesMatch(expected, e + 1, actual, skip)) {
        return true;
      }
    }
    return false;
  }
  return a < actual.size() && LineMatches(expected[e], actual[a]) &&
         LinesMatch(expected, e + 1, actual, a + 1);
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += "  | " + line + "\n";
  }
  return text;
}

TEST(ReadmeExamplesTest, TheCommandSectionRunsAsWritten) {
  std::ifstream file(RINGDB_README_PATH);
  ASSERT_TRUE(file.good()) << "cannot read " << RINGDB_README_PATH;
  std::ostringstream readme;
  readme << file.rdbuf();
  const std::vector<Example> examples = CommandSectionExamples(readme.str());
  ASSERT_GE(examples.size(), 6u) << "the README's command section lost its examples";
  TempDir dir;
  const std::string tool_dir = std::filesystem::path(RINGDB_TOOL_PATH).parent_path().string();
  const std::string setup = "cd '" + dir.path() + "' && PATH='" + tool_dir + "':\"$PATH\" && ";
  for (const Example& example : examples) {
    const ToolRun run = RunShell(setup + example.command);
    const std::vector<std::string> actual = SplitLines(run.output);
    EXPECT_EQ(run.exit_code, 0) << "$ " << example.command << "\n" << run.output;
    EXPECT_TRUE(LinesMatch(example.expected, 0, actual, 0))
        << "$ " << example.command << "\nthe README shows:\n"
        << Joined(example.expected) << "it printed:\n"
        << Joined(actual);
  }
}

}  // namespace
}  // namespace ringdb
