// examples/blog [URL]: the blog example; default URL sqlite:///orca_demo.db.
#include <iostream>

#include "blog.hpp"

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "sqlite:///orca_demo.db";
  try {
    return orca::run(blog::async_main(orca::create_engine(url, {.echo = true}), std::cout));
  } catch (const std::exception& e) {
    std::cerr << "blog: " << e.what() << "\n";
    return 1;
  }
}
