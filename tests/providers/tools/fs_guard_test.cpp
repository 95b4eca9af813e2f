#include "providers/tools/fs_guard.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace wingman::tools;
namespace fs = std::filesystem;

namespace {

/// A temporary tree: `<base>/root/{sub/,file.txt,out-link -> <base>/outside,
/// in-link -> sub}`, `<base>/rootX/`, `<base>/outside/secret.txt`.
struct tree {
  std::string base;
  std::string root;

  tree() {
    std::string tmpl = (fs::temp_directory_path() / "fs-guard-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    // Resolved, so expectations compare with realpath results.
    base = fs::canonical(tmpl).string();
    root = base + "/root";
    fs::create_directories(root + "/sub");
    fs::create_directories(base + "/rootX");
    fs::create_directories(base + "/outside");
    std::ofstream{root + "/file.txt"} << "hello";
    std::ofstream{base + "/outside/secret.txt"} << "secret";
    fs::create_directory_symlink(base + "/outside", root + "/out-link");
    fs::create_directory_symlink(root + "/sub", root + "/in-link");
  }

  ~tree() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }

  fs_guard guard() const { return fs_guard{{root}}; }
};

} // namespace

TEST_SUITE("providers/tools/fs_guard") {

TEST_CASE("paths inside a root resolve to their real path") {
  tree t;
  auto g = t.guard();
  auto root = g.resolve(t.root);
  CHECK(root.verdict == fs_verdict::ok);
  CHECK(root.path == t.root);
  CHECK(g.resolve(t.root + "/file.txt").path == t.root + "/file.txt");
  CHECK(g.resolve(t.root + "/sub/../file.txt").verdict == fs_verdict::ok);
  CHECK(g.resolve(t.root + "/in-link").path == t.root + "/sub");
  CHECK(g.resolve("sub").path == t.root + "/sub");
  CHECK(g.resolve(t.root + "/").path == t.root);
}

TEST_CASE("dot-dot, outside symlinks and other absolute paths are outside") {
  tree t;
  auto g = t.guard();
  for (auto p : {t.root + "/..", t.root + "/../outside/secret.txt",
                 std::string{"../outside"}, t.root + "/out-link",
                 t.root + "/out-link/secret.txt", std::string{"/etc"},
                 std::string{"/"}, t.base + "/outside"})
    CHECK_MESSAGE(g.resolve(p).verdict == fs_verdict::outside, p);
}

TEST_CASE("a sibling sharing the root's prefix is not inside it") {
  tree t;
  auto g = t.guard();
  CHECK(g.resolve(t.base + "/rootX").verdict == fs_verdict::outside);
  CHECK(g.resolve(t.root + "X").verdict == fs_verdict::outside);
  CHECK(g.resolve(t.root + "/../rootX").verdict == fs_verdict::outside);
  CHECK(fs_guard::is_within("/a/b", "/a"));
  CHECK(fs_guard::is_within("/a", "/a"));
  CHECK_FALSE(fs_guard::is_within("/ab", "/a"));
  CHECK(fs_guard::is_within("/x", "/"));
}

TEST_CASE("empty paths and NUL bytes are outside") {
  tree t;
  auto g = t.guard();
  CHECK(g.resolve("").verdict == fs_verdict::outside);
  CHECK(g.resolve(std::string{"sub\0/../../outside", 18}).verdict
        == fs_verdict::outside);
  CHECK(g.resolve_new("").verdict == fs_verdict::outside);
  CHECK(fs_guard{{}}.resolve("sub").verdict == fs_verdict::outside);
}

TEST_CASE("missing paths are missing inside a root and outside elsewhere") {
  tree t;
  auto g = t.guard();
  CHECK(g.resolve(t.root + "/nope").verdict == fs_verdict::missing);
  CHECK(g.resolve(t.root + "/nope/deeper").verdict == fs_verdict::missing);
  CHECK(g.resolve(t.root + "/out-link/nope").verdict == fs_verdict::outside);
  CHECK(g.resolve(t.root + "/nope/../../outside").verdict
        == fs_verdict::outside);
  CHECK(g.resolve("/no/such/place").verdict == fs_verdict::outside);
}

TEST_CASE("check_dir wants a folder") {
  tree t;
  auto g = t.guard();
  CHECK(g.check_dir(t.root + "/sub").verdict == fs_verdict::ok);
  CHECK(g.check_dir(t.root + "/file.txt").verdict == fs_verdict::invalid);
  CHECK(g.check_dir(t.root + "/out-link").verdict == fs_verdict::outside);
  CHECK(g.check_dir(t.root + "/nope").verdict == fs_verdict::missing);
}

TEST_CASE("resolve_new checks the parent and the final name") {
  tree t;
  auto g = t.guard();
  auto ok = g.resolve_new(t.root + "/sub/new");
  CHECK(ok.verdict == fs_verdict::ok);
  CHECK(ok.path == t.root + "/sub/new");
  CHECK(g.resolve_new(t.root + "/in-link/new/").path == t.root + "/sub/new");
  CHECK(g.resolve_new(t.root + "/sub").verdict == fs_verdict::exists);
  CHECK(g.resolve_new(t.root + "/out-link/new").verdict == fs_verdict::outside);
  CHECK(g.resolve_new(t.root + "/..").verdict == fs_verdict::outside);
  CHECK(g.resolve_new(t.root + "/sub/..").verdict == fs_verdict::outside);
  CHECK(g.resolve_new(t.root + "/sub/.").verdict == fs_verdict::outside);
  CHECK(g.resolve_new(t.base + "/rootX/new").verdict == fs_verdict::outside);
  CHECK(g.resolve_new(t.base + "/new").verdict == fs_verdict::outside);
  CHECK(g.resolve_new(t.root + "/nope/new").verdict == fs_verdict::missing);
  CHECK(g.resolve_new(t.root + "/file.txt/new").verdict
        == fs_verdict::invalid);
}

TEST_CASE("text is NUL-free UTF-8") {
  CHECK(is_text("hello\n"));
  CHECK(is_text("gr\xc3\xbc\xc3\x9f"));
  CHECK(is_text(""));
  CHECK_FALSE(is_text(std::string{"a\0b", 3}));
  CHECK_FALSE(is_text("\xff\xfe"));
  CHECK_FALSE(is_text("\xc3"));
}

TEST_CASE("overlapping_owner finds folders inside or around a dir") {
  tree t;
  std::vector<owned_folder> owned{{"a", t.root + "/sub"}, {"b", t.base + "/rootX"}};
  CHECK(overlapping_owner(t.root + "/sub", owned) == "a");         // the same
  CHECK(overlapping_owner(t.root + "/sub/deeper", owned) == "a");  // inside
  CHECK(overlapping_owner(t.root, owned) == "a");                  // around
  CHECK(overlapping_owner(t.base, owned) == "a");                  // first wins
  CHECK(overlapping_owner(t.base + "/outside", owned).empty());
  CHECK(overlapping_owner(t.base + "/root", {{"b", t.base + "/rootX"}}).empty());
  // A folder reached through a symlink is compared by its real path.
  CHECK(overlapping_owner(t.root + "/sub", {{"c", t.root + "/in-link"}}) == "c");
}

} // TEST_SUITE
