// A program that uses orca as any project would: it includes <orca/orca.hpp> only, and
// its CMakeLists.txt sets no C++ standard (orca::orca passes C++20 on). It creates a table
// on SQLite, writes a row in one session and reads it back in another; exits 1 on mismatch.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include <orca/orca.hpp>

struct note {
  std::int64_t id = 0;
  std::string title;
  std::optional<double> score;
};

void orca_table(orca::table_builder<note>& t) {
  t.table("consumer_note");
  t.column("id", &note::id).primary_key();
  t.column("title", &note::title);
  t.column("score", &note::score);
}

orca::task<int> check(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    orca::metadata::of<note>().drop_all(c);
    orca::metadata::of<note>().create_all(c);
  });
  auto make_session = orca::async_sessionmaker(engine);
  std::int64_t id = 0;
  {
    auto writer = make_session();
    auto written = writer.add(note{.title = "installed", .score = 2.5});
    co_await writer.commit();
    id = written->id;
  }
  auto reader = make_session();  // a session of its own: its identity map is empty, so it SELECTs
  auto rows = co_await reader.scalars(orca::select<note>().where(orca::col(&note::title) == "installed"));
  co_await reader.close();
  co_await engine.dispose();

  int found = 0;
  bool same = false;
  for (auto& n : rows) {
    ++found;
    same = n->id == id && n->title == "installed" && n->score == 2.5;
  }
  if (id <= 0 || found != 1 || !same) {
    std::cerr << "orca consumer: wrote note " << id << ", read back " << found << " rows"
              << (found == 1 ? " that differ" : "") << "\n";
    co_return 1;
  }
  std::cout << "orca consumer: note " << id << " written and read back\n";
  co_return 0;
}

int main(int argc, char** argv) {
  std::string url = argc > 1 ? argv[1] : "sqlite:///orca_consumer.db";
  try {
    return orca::run(check(orca::create_engine(url)));
  } catch (const std::exception& e) {
    std::cerr << "orca consumer: " << e.what() << "\n";
    return 1;
  }
}
