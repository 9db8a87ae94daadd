// Object slabs: objects carved from an identity map's slabs live as long as their references
// do, wherever those go (another thread, after the slabs' owner is gone), and each slab is
// freed by its last object (the objects count down to none).
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "orca/model/object_slabs.hpp"

namespace {

std::atomic<int> alive{0};

struct counted {
  counted() { ++alive; }
  counted(const counted&) = delete;
  counted& operator=(const counted&) = delete;
  ~counted() { --alive; }
  std::int64_t id = 0;
  std::string text;
};

}  // namespace

TEST_CASE("objects made from slabs outlive the slabs' owner and go with their last reference",
          "[identity_map][memory]") {
  std::vector<std::shared_ptr<counted>> objects;
  std::weak_ptr<counted> watched;
  {
    orca::object_slabs slabs;
    for (int i = 0; i < 40000; ++i) {  // several slabs, the later ones of 2 MiB
      auto o = slabs.make<counted>();
      o->id = i;
      o->text = "object number " + std::to_string(i) + " with a text longer than the small-string buffer";
      objects.push_back(std::move(o));
    }
    watched = objects[123];
  }  // the owner is gone; the objects are not
  REQUIRE(alive == 40000);
  std::set<const void*> distinct;
  bool intact = true;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    distinct.insert(objects[i].get());
    intact = intact && objects[i]->id == static_cast<std::int64_t>(i) &&
             objects[i]->text ==
                 "object number " + std::to_string(i) + " with a text longer than the small-string buffer";
  }
  CHECK(intact);
  CHECK(distinct.size() == objects.size());

  // Half the objects die on another thread, the rest here.
  std::vector<std::shared_ptr<counted>> elsewhere(objects.begin() + 20000, objects.end());
  objects.resize(20000);
  std::thread other([moved = std::move(elsewhere)]() mutable { moved.clear(); });
  other.join();
  CHECK(alive == 20000);
  CHECK(!watched.expired());
  objects.clear();
  CHECK(alive == 0);
  CHECK(watched.expired());  // the weak reference alone keeps the control block's memory
  watched.reset();
}

// A slab's count of its objects is kept by the owner until it lets go of the slab, then by
// the slab: whichever comes last, the owner's retiring or the last object's death, frees it.
// (Under AddressSanitizer objects come from make_shared, not from slabs.)
#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("a slab is freed by its owner's retiring or by its last object, whichever comes last",
          "[identity_map][memory]") {
  auto before = orca::object_slab::count();
  SECTION("every object gone before the owner: its retiring frees every slab") {
    orca::object_slabs slabs;
    for (int i = 0; i < 30000; ++i) slabs.make<counted>();  // each dies at once
    CHECK(orca::object_slab::count() == before + 1);        // the current slab alone
    CHECK(alive == 0);
  }
  SECTION("objects outliving the owner keep their slabs until the last goes, on any thread") {
    std::vector<std::shared_ptr<counted>> objects;
    {
      orca::object_slabs slabs;
      for (int i = 0; i < 30000; ++i) objects.push_back(slabs.make<counted>());
    }
    auto held = orca::object_slab::count() - before;
    CHECK(held > 1);  // several slabs, every one with objects
    objects.erase(objects.begin(), objects.begin() + 29999);
    CHECK(orca::object_slab::count() == before + 1);  // the last object's slab
    std::thread other([last = std::move(objects)]() mutable { last.clear(); });
    other.join();
    CHECK(alive == 0);
  }
  SECTION("a slab whose objects died while it was current is freed when the next replaces it") {
    orca::object_slabs slabs;
    std::vector<std::shared_ptr<counted>> kept;
    for (int i = 0; i < 30000; ++i) {
      auto o = slabs.make<counted>();
      if (i == 29999) kept.push_back(std::move(o));
    }
    CHECK(orca::object_slab::count() == before + 1);
    slabs.retire();
    CHECK(orca::object_slab::count() == before + 1);  // the kept object's
    kept.clear();
  }
  CHECK(orca::object_slab::count() == before);
}
#endif

TEST_CASE("a bypass makes objects with make_shared, and ends with its scope", "[identity_map][memory]") {
  orca::object_slabs slabs;
  auto first = slabs.make<counted>();
  {
    orca::object_slabs::bypass streamed{slabs};
    auto loose = slabs.make<counted>();
    loose->id = 7;
    CHECK(alive == 2);
  }
  auto second = slabs.make<counted>();
  CHECK(alive == 2);
  first.reset();
  second.reset();
  CHECK(alive == 0);
}

namespace {

struct valued {
  valued(std::int64_t i, std::string t) : id(i), text(std::move(t)) { ++alive; }
  valued(const valued& other) : id(other.id), text(other.text) { ++alive; }
  valued(valued&& other) noexcept : id(other.id), text(std::move(other.text)) { ++alive; }
  valued& operator=(const valued&) = delete;
  ~valued() { --alive; }
  std::int64_t id;
  std::string text;
};

std::string long_text(std::int64_t i) {
  return "value number " + std::to_string(i) + ", longer than the small-string buffer of std::string";
}

}  // namespace

TEST_CASE("objects made from values come from their thread's slabs and outlive the thread", "[identity_map][memory]") {
  std::vector<std::shared_ptr<valued>> objects;
  std::thread maker([&] {
    for (std::int64_t i = 0; i < 30000; ++i) {
      if (i == 10000) orca::thread_slabs()->restart();  // a session's end mid-way: later ones start a new slab
      valued v{i, long_text(i)};
      objects.push_back(i % 2 == 0 ? orca::make_object<valued>(std::move(v)) : orca::make_object<valued>(v));
      if (i % 2 == 0) CHECK(v.text.empty());  // forwarded: moved from, not copied
    }
  });
  maker.join();  // its thread_local slabs are gone; the objects are not
  REQUIRE(alive == 30000);
  bool intact = true;
  for (std::size_t i = 0; i < objects.size(); ++i)
    intact = intact && objects[i]->id == static_cast<std::int64_t>(i) &&
             objects[i]->text == long_text(static_cast<std::int64_t>(i));
  CHECK(intact);
  objects.erase(objects.begin(), objects.begin() + 15000);
  CHECK(alive == 15000);
  objects.clear();
  CHECK(alive == 0);
}

namespace {

std::atomic<bool> slabs_seen_gone{false};
std::atomic<bool> made_at_exit{false};
std::atomic<bool> slabs_while_running{false};

// Made before the thread's slabs (so destroyed after them): its destructor makes an object.
struct maker_at_exit {
  ~maker_at_exit() {
    slabs_seen_gone = orca::thread_slabs() == nullptr;
    auto late = orca::make_object<valued>(7, long_text(7));
    made_at_exit = late->id == 7 && late->text == long_text(7);
  }
};

}  // namespace

TEST_CASE("objects made while a thread ends, after its slabs are gone, come from make_shared",
          "[identity_map][memory]") {
  std::thread worker([] {
    thread_local maker_at_exit first;
    (void)&first;
    auto o = orca::make_object<valued>(1, long_text(1));  // the thread's slabs start here
    slabs_while_running = orca::thread_slabs() != nullptr;
  });
  worker.join();
  CHECK(slabs_while_running);
  CHECK(slabs_seen_gone);
  CHECK(made_at_exit);
  CHECK(alive == 0);
}
