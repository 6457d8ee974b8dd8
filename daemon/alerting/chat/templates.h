#pragma once

// The built-in chat message templates (Mustache, one per language; the vendor's markup is
// data: Markup in view.h), and the check of an operator's template_file: balanced sections and
// names the data model has, reported as FILE:LINE.

#include <string>
#include <vector>

namespace swas::alerting {

// "en" or "zh"; anything else is en.
const std::string& builtinTemplate(const std::string& language);

// Every problem of `text`, each "FILE:LINE: message"; empty when it is fine.
std::vector<std::string> checkTemplate(const std::string& text, const std::string& file);

}  // namespace swas::alerting
