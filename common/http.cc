#include "common/http.h"

#include <strings.h>

#include <boost/beast/http/status.hpp>

namespace mesolite::http {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::optional<std::string> Request::header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

Response Response::text(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers["Content-Type"] = "text/plain; charset=utf-8";
  response.body = std::move(body);
  return response;
}

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers["Content-Type"] = "application/json";
  response.body = std::move(body);
  return response;
}

std::string_view reason(int status) {
  auto text = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return {text.data(), text.size()};
}

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
               hexValue(text[i + 2]) >= 0) {
      out += char(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];  // a stray '%' stays as it is
    }
  }
  return out;
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::map<std::string, std::string> parseQueryString(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key = percentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
    out[std::move(key)] = std::move(value);
  }
  return out;
}

struct Responder::State {
  std::shared_ptr<Connection> connection;
  bool answered = false;

  ~State() {
    if (!answered && connection) {
      connection->send(Response::text(500, "the handler did not answer the request"));
    }
  }
};

Responder::Responder(std::shared_ptr<Connection> connection) : state_(std::make_shared<State>()) {
  state_->connection = std::move(connection);
}

void Responder::respond(Response response) const {
  if (state_->answered) return;
  state_->answered = true;
  state_->connection->send(std::move(response));
}

std::shared_ptr<ResponseStream> Responder::stream(int status, Headers headers) const {
  if (state_->answered) return nullptr;
  state_->answered = true;
  return state_->connection->startStream(status, std::move(headers));
}

}  // namespace mesolite::http
