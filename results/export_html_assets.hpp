// The dashboard's page template, stylesheet, script and chart library, embedded at build time
// from dashboards/ by cmake/EmbedDashboard.cmake, so `report --html` reads nothing at run time.
#pragma once

#include <string_view>

namespace infermark::dashboard_assets {

std::string_view page_template();  // dashboards/page.html, with @NAME@ placeholders
std::string_view stylesheet();     // dashboards/page.css
std::string_view script();         // dashboards/page.js
std::string_view chart_library();  // ECharts' minified build; empty without the library
bool has_chart_library();
// "echarts 6.1.0 (Apache-2.0)", or why this build has no chart library and how to get it.
std::string_view chart_library_status();

}  // namespace infermark::dashboard_assets
