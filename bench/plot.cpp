// --plot: a hand-written SVG with two panels — the orca/raw time ratio of every phase per
// backend on a log scale with each target marked, and P6's throughput against K.
#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace orca_bench {

namespace {

constexpr double width = 960, panel_height = 400, left = 70, right = 30, top = 60, bottom = 70;

std::string color_of(const std::string& backend, bool raw = false) {
  if (backend == "postgresql") return raw ? "#f6b26b" : "#e8710a";
  return raw ? "#8fb5e0" : "#1f5fa8";
}

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

std::string label(double x, double y, std::string_view text, std::string_view anchor = "middle", int size = 12,
                  std::string_view extra = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"{}\" {}>{}</text>\n", x, y, size,
                     anchor, extra, escape(text));
}

std::string line(double x1, double y1, double x2, double y2, std::string_view style) {
  return fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" {}/>\n", x1, y1, x2, y2, style);
}

// The ratio panel: one group of bars per phase (P6 at K = P), one bar per backend.
std::string ratio_panel(const std::vector<phase_summary>& results, double y0) {
  std::vector<std::string> groups;
  std::vector<std::string> backends;
  std::map<std::pair<std::string, std::string>, const phase_summary*> cell;
  for (auto& s : results) {
    if (s.ratio() <= 0 || (s.which == phase::p6_concurrency && s.sessions != s.pool)) continue;
    auto group = s.which == phase::p6_concurrency ? fmt::format("P6 K=P={}", s.pool)
                                                  : fmt::format("{} {}", phase_code(s.which), phase_title(s.which));
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    if (std::find(backends.begin(), backends.end(), s.backend) == backends.end()) backends.push_back(s.backend);
    cell[{group, s.backend}] = &s;
  }
  std::string svg = label(width / 2, y0 + 28, "orca / raw wall time per phase (lower is better; 1 = as fast as raw)",
                          "middle", 16, "font-weight=\"bold\"");
  if (groups.empty()) return svg + label(width / 2, y0 + panel_height / 2, "no ratios measured");
  double highest = 2;
  for (auto& [key, s] : cell) {
    highest = std::max(highest, s->ratio());
    if (auto t = s->target(); t && !t->at_least) highest = std::max(highest, t->limit);
  }
  double lo = std::log10(0.5), hi = std::log10(highest * 1.6);
  double plot_top = y0 + top, plot_bottom = y0 + panel_height - bottom;
  auto y_of = [&](double v) { return plot_bottom - (std::log10(v) - lo) / (hi - lo) * (plot_bottom - plot_top); };
  for (double tick : {0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0}) {
    if (std::log10(tick) > hi) break;
    svg += line(left, y_of(tick), width - right, y_of(tick),
                tick == 1.0 ? "stroke=\"#444\" stroke-width=\"1.5\"" : "stroke=\"#ddd\"");
    svg += label(left - 8, y_of(tick) + 4, fmt::format("{:g}x", tick), "end", 11);
  }
  double group_width = (width - left - right) / static_cast<double>(groups.size());
  double bar_width = std::min(60.0, group_width * 0.7 / static_cast<double>(backends.size()));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    double center = left + group_width * (static_cast<double>(g) + 0.5);
    svg += label(center, plot_bottom + 20, groups[g], "middle", 12);
    for (std::size_t b = 0; b < backends.size(); ++b) {
      auto found = cell.find({groups[g], backends[b]});
      if (found == cell.end()) continue;
      auto& s = *found->second;
      double x = center + (static_cast<double>(b) - static_cast<double>(backends.size()) / 2) * bar_width;
      double v = std::max(s.ratio(), 0.5), y = y_of(v);
      svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", x + 2, y,
                         bar_width - 4, plot_bottom - y, color_of(s.backend));
      svg += label(x + bar_width / 2, y - 5, fmt::format("{:.2f}x", s.ratio()), "middle", 11);
      if (auto t = s.target()) {
        // P6's target is a share of raw's throughput: as a time ratio it is 1 / share.
        double limit = t->at_least ? 1.0 / t->limit : t->limit;
        auto met = s.met().value_or(false);
        svg += line(
            x, y_of(limit), x + bar_width, y_of(limit),
            fmt::format("stroke=\"{}\" stroke-width=\"3\" stroke-dasharray=\"5,3\"", met ? "#2a9d38" : "#d62728"));
      }
    }
  }
  double lx = left + 10;
  for (auto& b : backends) {
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"14\" fill=\"{}\"/>\n", lx, y0 + 38,
                       color_of(b));
    svg += label(lx + 20, y0 + 50, b, "start", 12);
    lx += 120;
  }
  svg += line(lx, y0 + 45, lx + 24, y0 + 45, "stroke=\"#2a9d38\" stroke-width=\"3\" stroke-dasharray=\"5,3\"");
  svg += label(lx + 30, y0 + 50, "target (green: met, red: missed)", "start", 12);
  return svg;
}

// The P6 panel: transactions per second against K, orca solid, raw (P threads) dashed.
std::string throughput_panel(const std::vector<phase_summary>& results, double y0) {
  std::string svg = label(width / 2, y0 + 28, "P6: committed transactions per second against concurrent sessions K",
                          "middle", 16, "font-weight=\"bold\"");
  std::set<std::int64_t> ks;
  double highest = 0;
  std::map<std::string, std::vector<const phase_summary*>> by_backend;
  for (auto& s : results) {
    if (s.which != phase::p6_concurrency) continue;
    ks.insert(s.sessions);
    by_backend[s.backend].push_back(&s);
    highest = std::max({highest, s.orca.throughput(s.transactions), s.raw.throughput(s.transactions)});
  }
  if (ks.empty() || highest <= 0) return svg + label(width / 2, y0 + panel_height / 2, "P6 not measured");
  std::vector<std::int64_t> order(ks.begin(), ks.end());
  double plot_top = y0 + top, plot_bottom = y0 + panel_height - bottom;
  double step = std::pow(10, std::floor(std::log10(highest * 1.15)));
  double ceiling = std::ceil(highest * 1.15 / step) * step;
  auto y_of = [&](double v) { return plot_bottom - v / ceiling * (plot_bottom - plot_top); };
  auto x_of = [&](std::int64_t k) {
    auto at = static_cast<double>(std::find(order.begin(), order.end(), k) - order.begin());
    return left + (width - left - right) * (at + 0.5) / static_cast<double>(order.size());
  };
  double tick_step = ceiling / step > 4 ? step : step / 2;
  for (double tick = 0; tick <= ceiling * 1.0001; tick += tick_step) {
    svg += line(left, y_of(tick), width - right, y_of(tick), "stroke=\"#ddd\"");
    svg += label(left - 8, y_of(tick) + 4, fmt::format("{:.0f}", tick), "end", 11);
  }
  for (auto k : order) svg += label(x_of(k), plot_bottom + 20, fmt::format("K={}", k), "middle", 12);
  svg += label(20, (plot_top + plot_bottom) / 2, "tx/s", "middle", 12,
               fmt::format("transform=\"rotate(-90 20 {:.1f})\"", (plot_top + plot_bottom) / 2));
  double lx = left + 10;
  for (auto& [backend, rows] : by_backend) {
    for (bool raw : {false, true}) {
      std::string points;
      for (auto* s : rows) {
        auto v = raw ? s->raw.throughput(s->transactions) : s->orca.throughput(s->transactions);
        points += fmt::format("{:.1f},{:.1f} ", x_of(s->sessions), y_of(v));
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>\n", x_of(s->sessions), y_of(v),
                           color_of(backend, raw));
      }
      svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" {}/>\n", points,
                         color_of(backend, raw), raw ? "stroke-dasharray=\"7,4\"" : "");
      auto name = raw ? fmt::format("{} raw ({} threads)", backend, rows.front()->pool) : backend + " orca";
      svg += line(lx, y0 + 45, lx + 24, y0 + 45,
                  fmt::format("stroke=\"{}\" stroke-width=\"2.5\" {}", color_of(backend, raw),
                              raw ? "stroke-dasharray=\"7,4\"" : ""));
      svg += label(lx + 30, y0 + 50, name, "start", 12);
      lx += 200;
    }
  }
  return svg;
}

}  // namespace

void write_plot(const std::string& path, const std::vector<phase_summary>& results, const std::string& subtitle) {
  std::ofstream file{path};
  if (!file) throw std::runtime_error("--plot: cannot write " + path);
  double height = 2 * panel_height + 50;
  file << fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "viewBox=\"0 0 {:.0f} {:.0f}\" font-family=\"sans-serif\">\n",
      width, height, width, height);
  file << fmt::format("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  file << label(width / 2, 22, "orca-bench: orca against raw drivers, same work, same run", "middle", 18,
                "font-weight=\"bold\"");
  file << label(width / 2, 40, subtitle, "middle", 12, "fill=\"#555\"");
  file << ratio_panel(results, 40);
  file << throughput_panel(results, 40 + panel_height);
  file << "</svg>\n";
  if (!file) throw std::runtime_error("--plot: writing " + path + " failed");
}

}  // namespace orca_bench
