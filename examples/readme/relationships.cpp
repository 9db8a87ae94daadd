// The README's relationships: one-to-many (orca::collection), write-only (orca::write_only),
// many-to-one (orca::reference) and many-to-many (orca::collection through an association
// table), with back_populates, lazy="raise" and cascades. Run by
// ctest (readme_relationships); exits 1 if what it reads back is not what it wrote.
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <orca/orca.hpp>

// [models]
struct author;
struct genre;
struct book {
  std::int64_t id = 0;
  std::int64_t author_id = 0;
  orca::reference<author> written_by{};  // many-to-one, through author_id
  std::string title;
  orca::collection<genre> genres{};  // many-to-many, through book_genre
};
struct review {
  std::int64_t id = 0;
  std::optional<std::int64_t> author_id{};  // nullable: remove() and ON DELETE set it to NULL
  std::string text;
};
struct author {
  std::int64_t id = 0;
  std::string name;
  orca::collection<book> books{};      // one-to-many, loaded on request
  orca::write_only<review> reviews{};  // one-to-many, never loaded: queried
};

struct book_genre {  // the association table: one row per (book, genre) pair
  std::int64_t book_id = 0;
  std::int64_t genre_id = 0;
};

void orca_table(orca::table_builder<author>& t) {
  t.table("author");
  t.column("id", &author::id).primary_key();
  t.column("name", &author::name).unique();
  t.relationship("books", &author::books, &book::author_id)
      .back_populates("written_by")  // book::written_by mirrors it
      .cascade(orca::cascade::all);  // removing an author removes her books
  t.relationship("reviews", &author::reviews, &review::author_id)
      .passive_deletes();  // removing an author leaves her reviews to ON DELETE SET NULL
}
void orca_table(orca::table_builder<book>& t) {
  t.table("book");
  t.column("id", &book::id).primary_key();
  t.column("author_id", &book::author_id).foreign_key(&author::id).index();
  t.column("title", &book::title);
  t.relationship("written_by", &book::written_by, &book::author_id).back_populates("books");
  t.relationship("genres", &book::genres)
      .secondary(&book_genre::book_id, &book_genre::genre_id)
      .back_populates("books");
}
void orca_table(orca::table_builder<review>& t) {
  t.table("review");
  t.column("id", &review::id).primary_key();
  t.column("author_id", &review::author_id).foreign_key(&author::id, orca::on_delete::set_null);
  t.column("text", &review::text);
}
// [models]
// [many_to_many_models]
struct genre {
  std::int64_t id = 0;
  std::string name;
  orca::collection<book> books{};  // the other side of book::genres
};
void orca_table(orca::table_builder<genre>& t) {
  t.table("genre");
  t.column("id", &genre::id).primary_key();
  t.column("name", &genre::name).unique();
  t.relationship("books", &genre::books)
      .secondary(&book_genre::genre_id, &book_genre::book_id)
      .back_populates("genres");
}
void orca_table(orca::table_builder<book_genre>& t) {
  t.table("book_genre");  // created after book and genre; deleting either deletes its rows
  t.column("book_id", &book_genre::book_id).primary_key().foreign_key(&book::id, orca::on_delete::cascade);
  t.column("genre_id", &book_genre::genre_id).primary_key().foreign_key(&genre::id, orca::on_delete::cascade);
}
// [many_to_many_models]

orca::task<int> relationships(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<author, book, review>();  // genre and book_genre: reached through book
    meta.drop_all(c);
    meta.create_all(c);
  });
  auto make_session = orca::async_sessionmaker(engine, {.expire_on_commit = false});
  auto session = make_session();
  // [save]
  // Saving a parent saves what its relationships hold, parents first.
  auto ursula = session.add(author{.name = "Ursula", .books = {book{.title = "The Dispossessed"}}});
  ursula->reviews.add(review{.text = "anarchist utopia"});
  session.add(book{.written_by = ursula, .title = "The Lathe of Heaven"});  // child names its parent
  co_await session.commit();
  // back_populates: both sides agree (the second book joined ursula->books).
  bool in_step = ursula->books.size() == 2 && ursula->books[0]->written_by == ursula;
  // [save]

  auto reader = make_session();
  // [load]
  // One-to-many: selectinload, or session.load() for one object.
  auto stmt = orca::select<author>().options(orca::selectinload(&author::books));
  auto found = (co_await reader.scalars(stmt)).one();
  std::size_t book_count = found->books.size();  // 2: loaded by one SELECT ... IN (...)

  // Many-to-one: selectinload of the reference.
  auto books = co_await reader.scalars(
      orca::select<book>().order_by(&book::id).options(orca::selectinload(&book::written_by)));
  bool shared_parent = books.all().at(0)->written_by == books.all().at(1)->written_by;  // one object

  // Write-only: never loaded; query it, add to it, remove from it.
  auto reviews = co_await reader.scalars(found->reviews.select());
  found->reviews.add(review{.text = "second review"});
  found->reviews.remove(reviews.first());  // its author_id becomes NULL at the flush
  co_await reader.commit();
  auto left = co_await reader.scalars(found->reviews.select());
  // [load]
  // [joined]
  // joinedload: one SELECT with a LEFT OUTER JOIN; each author once, however many rows.
  auto joined = co_await reader.scalars(
      orca::select<author>().order_by(&author::id).limit(10).options(orca::joinedload(&author::books)));
  std::size_t joined_books = joined.first()->books.size();  // 2: LIMIT counts authors, not rows
  // Options nest: each book's author joined, then that author's books by selectin.
  auto with_authors = co_await reader.scalars(
      orca::select<book>().options(orca::joinedload(&book::written_by).selectinload(&author::books)));
  std::size_t siblings = with_authors.first()->written_by->books.size();  // 2
  // [joined]
  co_await reader.close();  // on SQLite one transaction at a time may write

  auto shelf = make_session();
  // [many_to_many]
  // Many-to-many: add and remove pairs; the flush inserts and deletes book_genre rows.
  auto dispossessed = (co_await shelf.scalars(orca::select<book>()
                                                  .where(orca::col(&book::title) == "The Dispossessed")
                                                  .options(orca::selectinload(&book::genres))))
                          .one();
  auto science_fiction = dispossessed->genres.add(genre{.name = "science fiction"});
  auto utopia = dispossessed->genres.add(genre{.name = "utopia"});
  co_await shelf.commit();                             // the genres, then two book_genre rows
  bool mirrored = science_fiction->books.size() == 1;  // back_populates: the genre holds the book
  dispossessed->genres.remove(utopia);                 // one book_genre row goes; the genre stays
  co_await shelf.commit();
  // Loading: one SELECT joining book_genre per batch of genres (selectinload or session.load).
  auto genres = co_await shelf.scalars(
      orca::select<genre>().order_by(&genre::id).options(orca::selectinload(&genre::books)));
  std::size_t tagged = genres.first()->books.size();  // 1: science fiction holds The Dispossessed
  // [many_to_many]
  std::size_t untagged = genres.all().at(1)->books.size();  // 0: utopia lost its row
  co_await shelf.close();

  auto other = make_session();
  // [remove]
  // A reference that was not loaded throws errc::not_loaded: load it first.
  auto lathe =
      (co_await other.scalars(orca::select<book>().where(orca::col(&book::title) == "The Lathe of Heaven"))).one();
  bool raised = false;
  try {
    (void)lathe->written_by->name;
  } catch (const orca::error& e) {
    raised = e.code() == orca::errc::not_loaded;
  }
  co_await other.load(lathe, &book::written_by);
  std::string writer = lathe->written_by->name;  // "Ursula"

  // Cascade: removing the author removes her books (their collection is loaded for it);
  // her reviews are unlinked by the database (ON DELETE SET NULL, passive_deletes).
  co_await other.remove(lathe->written_by.get());
  co_await other.commit();
  // [remove]
  auto books_left = (co_await other.scalars(orca::select<book>())).size();
  auto unlinked =
      (co_await other.scalars(orca::select<review>().where(orca::col(&review::author_id).is_null()))).size();
  // The books went with their book_genre rows; the genres stay, holding no book.
  auto genres_left = co_await other.scalars(orca::select<genre>().options(orca::selectinload(&genre::books)));
  bool genres_kept = genres_left.size() == 2 && genres_left.first()->books.empty();
  co_await other.close();
  co_await session.close();
  co_await engine.dispose();

  bool ok = in_step && joined_books == 2 && siblings == 2 && book_count == 2 && shared_parent && reviews.size() == 1 &&
            left.size() == 1 && left.first()->text == "second review" && raised && writer == "Ursula" &&
            books_left == 0 && unlinked == 2 && mirrored && tagged == 1 && untagged == 0 && genres_kept;
  std::cout << "in step " << in_step << ", books " << book_count << ", shared parent " << shared_parent << ", reviews "
            << reviews.size() << " then " << left.size() << ", not loaded " << raised << ", writer " << writer
            << ", books left " << books_left << ", unlinked reviews " << unlinked << ", genres mirrored " << mirrored
            << ", tagged " << tagged << " and " << untagged << ", genres kept " << genres_kept << "\n";
  co_return ok ? 0 : 1;
}

int main() { return orca::run(relationships(orca::create_engine("sqlite:///readme_relationships.db"))); }
