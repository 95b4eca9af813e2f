// The one doctest main shared by every test executable.
//
// ctest runs one TEST_CASE per entry (`--test-case=<name>`). A filter that
// matches nothing would pass without running anything (a renamed test, or a
// name that CMake's discovery split), so a run whose filters select no test
// case fails instead.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

unsigned selected_test_cases = 0;

/// Records how many test cases passed the filters.
struct selection_listener : doctest::IReporter {
  explicit selection_listener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    selected_test_cases = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("selection", 1, selection_listener);

bool has_test_case_filter(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--test-case=", 0) == 0 || a.rfind("-tc=", 0) == 0)
      return true;
  }
  return false;
}

} // namespace

int main(int argc, char** argv) {
  doctest::Context context{argc, argv};
  int rc = context.run();
  if (context.shouldExit())
    return rc;
  if (rc == 0 && has_test_case_filter(argc, argv) && selected_test_cases == 0) {
    std::fprintf(stderr, "doctest: no test case matches the filter\n");
    return 1;
  }
  return rc;
}
