// The blog example: each capability in a few lines, each checked by reading it back.
#include "blog.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace blog {

namespace {

struct post;
struct tag;

// A user is keyed by a UUID the application makes; the email is unique.
struct user {
  orca::uuid id{};
  std::string email;
  std::string name;
  orca::collection<post> posts{};
};

struct comment {
  std::int64_t id = 0;
  std::int64_t post_id = 0;
  std::string text;
};

struct post {
  std::int64_t id = 0;
  orca::uuid author_id{};
  std::string title;
  orca::reference<user> author{};        // many-to-one, mirrored by user.posts
  orca::collection<comment> comments{};  // one-to-many, deleted with the post
  orca::collection<tag> tags{};          // many-to-many through post_tag
};

struct tag {
  std::int64_t id = 0;
  std::string name;
  orca::collection<post> posts{};
};

// The association table: one row per (post, tag) pair.
struct post_tag {
  std::int64_t post_id = 0;
  std::int64_t tag_id = 0;
};

void orca_table(orca::table_builder<user>& t) {
  t.table("blog_user");
  t.column("id", &user::id).primary_key();
  t.column("email", &user::email).unique();
  t.column("name", &user::name);
  t.relationship("posts", &user::posts, &post::author_id).back_populates("author");
}

void orca_table(orca::table_builder<post>& t) {
  t.table("blog_post");
  t.column("id", &post::id).primary_key();
  t.column("author_id", &post::author_id).foreign_key(&user::id);
  t.column("title", &post::title);
  t.relationship("author", &post::author, &post::author_id).back_populates("posts");
  t.relationship("comments", &post::comments, &comment::post_id).cascade(orca::cascade::all).passive_deletes();
  t.relationship("tags", &post::tags).secondary(&post_tag::post_id, &post_tag::tag_id).back_populates("posts");
}

void orca_table(orca::table_builder<comment>& t) {
  t.table("blog_comment");
  t.column("id", &comment::id).primary_key();
  t.column("post_id", &comment::post_id).foreign_key(&post::id, orca::on_delete::cascade);
  t.column("text", &comment::text);
}

void orca_table(orca::table_builder<tag>& t) {
  t.table("blog_tag");
  t.column("id", &tag::id).primary_key();
  t.column("name", &tag::name).unique();
  t.relationship("posts", &tag::posts).secondary(&post_tag::tag_id, &post_tag::post_id).back_populates("tags");
}

void orca_table(orca::table_builder<post_tag>& t) {
  t.table("blog_post_tag");
  t.column("post_id", &post_tag::post_id).primary_key().foreign_key(&post::id, orca::on_delete::cascade);
  t.column("tag_id", &post_tag::tag_id).primary_key().foreign_key(&tag::id, orca::on_delete::cascade);
}

// Counts what did not read back as written; each check prints its outcome.
class checker {
public:
  explicit checker(std::ostream& out) : out_(out) {}
  void expect(bool ok, const std::string& what) {
    out_ << (ok ? "  ok: " : "  WRONG: ") << what << "\n";
    if (!ok) ++failed_;
  }
  int exit_code() const { return failed_ == 0 ? 0 : 1; }
private:
  std::ostream& out_;
  int failed_ = 0;
};

std::string names_of(const orca::collection<tag>& tags) {
  std::vector<std::string> names;
  for (auto& t : tags) names.push_back(t->name);
  std::sort(names.begin(), names.end());
  std::string joined;
  for (auto& n : names) joined += (joined.empty() ? "" : ",") + n;
  return joined;
}

}  // namespace

orca::task<int> async_main(orca::engine engine, std::ostream& out) {
  checker check{out};
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<user, post, comment, tag>();  // post_tag is reached through post.tags
    meta.drop_all(c);
    meta.create_all(c);
  });
  auto make_session = orca::async_sessionmaker(engine, {.expire_on_commit = false});

  out << "-- create: two users (UUID keys), three posts, comments, tags\n";
  orca::uuid ann_id = orca::uuid::random_v4();
  {
    auto session = make_session();
    auto ann = session.add(user{.id = ann_id, .email = "ann@example.org", .name = "Ann"});
    auto bob = session.add(user{.id = orca::uuid::random_v4(), .email = "bob@example.org", .name = "Bob"});
    auto cpp = std::make_shared<tag>(tag{.name = "c++"});
    auto orm = std::make_shared<tag>(tag{.name = "orm"});
    auto hello = ann->posts.add(
        post{.title = "Hello", .comments = {comment{.text = "welcome"}, comment{.text = "hi"}}});
    hello->tags.add(cpp);
    hello->tags.add(orm);
    auto second = ann->posts.add(post{.title = "Second"});
    second->tags.add(cpp);
    session.add(post{.title = "Bob's", .author = bob, .comments = {comment{.text = "first!"}}});
    co_await session.commit();
    check.expect(hello->author == ann, "adding to ann.posts set hello.author (back_populates)");
    check.expect(cpp->posts.size() == 2, "tag c++ holds both of ann's posts in memory (back_populates)");
    out << "  ann has id " << orca::to_string(ann->id) << " and " << ann->posts.size() << " posts\n";
    co_await session.close();
  }

  out << "-- query: selectinload of tags and comments, joinedload of the author\n";
  {
    auto session = make_session();
    auto posts = co_await session.scalars(orca::select<post>().order_by(&post::id).options(
        orca::joinedload(&post::author), orca::selectinload(&post::tags), orca::selectinload(&post::comments)));
    for (auto& p : posts)
      out << "  " << p->title << " by " << p->author->name << ", tags [" << names_of(p->tags) << "], "
          << p->comments.size() << " comments\n";
    auto titled = [&](const std::string& title) {
      auto found = std::find_if(posts.begin(), posts.end(), [&](auto& p) { return p->title == title; });
      return found != posts.end() ? *found : std::make_shared<post>();
    };
    check.expect(posts.size() == 3, "three posts");
    check.expect(names_of(titled("Hello")->tags) == "c++,orm" && titled("Bob's")->tags.empty(),
                 "Hello is tagged c++ and orm, Bob's post has no tags");
    check.expect(titled("Hello")->author.get() != nullptr && titled("Hello")->author == titled("Second")->author,
                 "both of ann's posts share one author object");
    co_await session.close();
  }

  out << "-- tags: remove orm from Hello, add it to Second\n";
  {
    auto session = make_session();
    auto posts = co_await session.scalars(orca::select<post>()
                                              .where(orca::col(&post::author_id) == ann_id)
                                              .order_by(&post::id)
                                              .options(orca::selectinload(&post::tags)));
    auto hello = posts.all().at(0);
    auto second = posts.all().at(1);
    auto orm = *std::find_if(hello->tags.begin(), hello->tags.end(), [](auto& t) { return t->name == "orm"; });
    hello->tags.remove(orm);  // deletes one association row; the tag stays
    second->tags.add(orm);    // inserts one
    co_await session.commit();
    co_await session.close();
  }
  {
    auto session = make_session();
    auto orm = (co_await session.scalars(
                    orca::select<tag>().where(orca::col(&tag::name) == "orm").options(orca::selectinload(&tag::posts))))
                   .one();
    check.expect(orm->posts.size() == 1 && orm->posts[0]->title == "Second", "orm now tags Second only");
    co_await session.close();
  }

  out << "-- delete: removing Hello deletes its comments and its tag rows, not its tags\n";
  {
    auto session = make_session();
    auto hello = (co_await session.scalars(orca::select<post>().where(orca::col(&post::title) == "Hello"))).one();
    co_await session.remove(hello);
    co_await session.commit();
    auto comments = co_await session.scalars(orca::select<comment>());
    auto tags = co_await session.scalars(orca::select<tag>().options(orca::selectinload(&tag::posts)));
    check.expect(comments.size() == 1, "one comment left (on Bob's post)");
    std::size_t tagged = 0;
    for (auto& t : tags) tagged += t->posts.size();
    check.expect(tags.size() == 2 && tagged == 2, "both tags remain, tagging Second only");
    co_await session.close();
  }

  out << "-- unique email: a second ann@example.org is refused with a typed error\n";
  {
    auto session = make_session();
    session.add(user{.id = orca::uuid::random_v4(), .email = "ann@example.org", .name = "Impostor"});
    bool refused = false;
    try {
      co_await session.commit();
    } catch (const orca::error& e) {
      refused = e.code() == orca::errc::constraint_violation;
      out << "  refused: " << orca::to_string(e.code()) << "\n";
    }
    check.expect(refused, "the duplicate email raised errc::constraint_violation");
    co_await session.rollback();
    auto users = co_await session.scalars(orca::select<user>());
    check.expect(users.size() == 2, "still two users");
    co_await session.close();
  }
  co_await engine.dispose();
  out << (check.exit_code() == 0 ? "blog: everything read back as written\n" : "blog: something read back wrong\n");
  co_return check.exit_code();
}

}  // namespace blog
