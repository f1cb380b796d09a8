#include "common/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <charconv>
#include <mutex>

extern char** environ;

namespace mesolite::tls {

namespace ssl = boost::asio::ssl;

namespace {

constexpr std::string_view kPrefix = "LIBPROCESS_SSL_";

// Mesos's default cipher list (libprocess openssl.cpp); TLS 1.3 suites are OpenSSL's.
constexpr const char* kMesosCiphers =
    "AES128-SHA:AES256-SHA:RC4-SHA:DHE-RSA-AES128-SHA:DHE-DSS-AES128-SHA:"
    "DHE-RSA-AES256-SHA:DHE-DSS-AES256-SHA";

Result<bool> parseBool(const std::string& name, const std::string& value) {
  std::string lower = value;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return Error(std::string(kPrefix) + name + "=" + value + ": expected true, false, 1 or 0");
}

// A file given by a variable must be readable: say so by errno before OpenSSL's reason.
Result<void> readable(const std::string& name, const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) {
    return Error::fromErrno(std::string(kPrefix) + name + "=" + path);
  }
  return success();
}

Result<void> loadAuthorities(SSL_CTX* ctx, const Settings& settings) {
  if (settings.caFile || settings.caDir) {
    if (settings.caFile) {
      if (auto ok = readable("CA_FILE", *settings.caFile); !ok) return ok.error();
    }
    const char* file = settings.caFile ? settings.caFile->c_str() : nullptr;
    const char* dir = settings.caDir ? settings.caDir->c_str() : nullptr;
    if (SSL_CTX_load_verify_locations(ctx, file, dir) != 1) {
      return Error("cannot load the certificate authorities (LIBPROCESS_SSL_CA_FILE=" +
                   settings.caFile.value_or("") +
                   " LIBPROCESS_SSL_CA_DIR=" + settings.caDir.value_or("") + "): " + lastError());
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return Error("cannot load OpenSSL's default certificate authorities: " + lastError());
  }
  SSL_CTX_set_verify_depth(ctx, settings.verifyDepth);
  return success();
}

Result<void> loadIdentity(SSL_CTX* ctx, const Settings& settings) {
  if (auto ok = readable("CERT_FILE", *settings.certFile); !ok) return ok.error();
  if (SSL_CTX_use_certificate_chain_file(ctx, settings.certFile->c_str()) != 1) {
    return Error("LIBPROCESS_SSL_CERT_FILE=" + *settings.certFile +
                 ": cannot load the certificate: " + lastError());
  }
  if (auto ok = readable("KEY_FILE", *settings.keyFile); !ok) return ok.error();
  if (SSL_CTX_use_PrivateKey_file(ctx, settings.keyFile->c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error("LIBPROCESS_SSL_KEY_FILE=" + *settings.keyFile +
                 ": cannot load the private key: " + lastError());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Error("LIBPROCESS_SSL_KEY_FILE=" + *settings.keyFile +
                 " does not match the certificate in " + *settings.certFile + ": " + lastError());
  }
  return success();
}

// What both sides share: protocol versions, ciphers, curves.
Result<Context> baseContext(const Settings& settings) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* ctx = context->native_handle();
  uint64_t options = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3;
  if (!settings.tls10) options |= SSL_OP_NO_TLSv1;
  if (!settings.tls11) options |= SSL_OP_NO_TLSv1_1;
  if (!settings.tls12) options |= SSL_OP_NO_TLSv1_2;
  if (!settings.tls13) options |= SSL_OP_NO_TLSv1_3;
  SSL_CTX_set_options(ctx, options);
  if (SSL_CTX_set_cipher_list(ctx, settings.ciphers.c_str()) != 1) {
    return Error("LIBPROCESS_SSL_CIPHERS=" + settings.ciphers +
                 ": no usable cipher: " + lastError());
  }
  if (settings.ecdhCurves != "auto" &&
      SSL_CTX_set1_curves_list(ctx, settings.ecdhCurves.c_str()) != 1) {
    return Error("LIBPROCESS_SSL_ECDH_CURVES=" + settings.ecdhCurves + ": " + lastError());
  }
  return context;
}

}  // namespace

std::string lastError() {
  unsigned long code = ERR_get_error();
  std::string text;
  // The last error queued is the most precise; keep the first one's text as well.
  while (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += ERR_reason_error_string(code) ? ERR_reason_error_string(code) : buffer;
    code = ERR_get_error();
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

Result<Settings> parse(const std::map<std::string, std::string>& environment) {
  Settings settings;
  settings.ciphers = kMesosCiphers;
  bool verifyCert = false, requireCert = false;
  for (const auto& entry : environment) {
    // Named copies: a lambda below captures the value (clang cannot capture a binding).
    const std::string& variable = entry.first;
    const std::string& value = entry.second;
    // Mesos read SSL_* before 1.0; OpenSSL's own SSL_CERT_FILE / SSL_CERT_DIR stay its own.
    if (variable.rfind("SSL_", 0) == 0 && variable != "SSL_CERT_FILE" &&
        variable != "SSL_CERT_DIR") {
      const std::string key = variable.substr(4);
      if (environment.count(std::string(kPrefix) + key) == 0 &&
          (key == "ENABLED" || key == "KEY_FILE" || key == "SUPPORT_DOWNGRADE" ||
           key == "REQUIRE_CERT" || key == "VERIFY_CERT" || key == "CA_FILE" || key == "CA_DIR")) {
        return Error(variable + ": the SSL_ prefix Mesos read before 1.0 is not read here; use " +
                     std::string(kPrefix) + key);
      }
      continue;
    }
    if (variable.rfind(kPrefix, 0) != 0) continue;
    const std::string name = variable.substr(kPrefix.size());
    auto flag = [&](bool* target) -> Result<void> {
      auto parsed = parseBool(name, value);
      if (!parsed) return parsed.error();
      *target = *parsed;
      return success();
    };
    Result<void> done = success();
    if (name == "ENABLED")
      done = flag(&settings.enabled);
    else if (name == "SUPPORT_DOWNGRADE")
      done = flag(&settings.supportDowngrade);
    else if (name == "CERT_FILE")
      settings.certFile = value;
    else if (name == "KEY_FILE")
      settings.keyFile = value;
    else if (name == "CA_FILE")
      settings.caFile = value;
    else if (name == "CA_DIR")
      settings.caDir = value;
    else if (name == "VERIFY_CERT")
      done = flag(&verifyCert);
    else if (name == "VERIFY_SERVER_CERT")
      done = flag(&settings.verifyServerCert);
    else if (name == "REQUIRE_CERT")
      done = flag(&requireCert);
    else if (name == "REQUIRE_CLIENT_CERT")
      done = flag(&settings.requireClientCert);
    else if (name == "VERIFY_IPADD")
      done = flag(&settings.verifyIpAddress);
    else if (name == "CIPHERS")
      settings.ciphers = value;
    // docs/ssl.md says ECDH_CURVE and VERIFY_DEPTH; libprocess reads the flags' names.
    else if (name == "ECDH_CURVE" || name == "ECDH_CURVES")
      settings.ecdhCurves = value;
    else if (name == "VERIFY_DEPTH" || name == "VERIFICATION_DEPTH") {
      int depth = -1;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), depth);
      if (ec != std::errc() || end != value.data() + value.size() || depth < 0) {
        return Error(variable + "=" + value + ": expected a number of certificates");
      }
      settings.verifyDepth = depth;
    } else if (name == "ENABLE_TLS_V1_0")
      done = flag(&settings.tls10);
    else if (name == "ENABLE_TLS_V1_1")
      done = flag(&settings.tls11);
    else if (name == "ENABLE_TLS_V1_2")
      done = flag(&settings.tls12);
    else if (name == "ENABLE_TLS_V1_3")
      done = flag(&settings.tls13);
    else if (name == "ENABLE_SSL_V3") {
      bool v3 = false;
      done = flag(&v3);
      if (done && v3)
        return Error(variable + "=true: SSLv3 is not available (OpenSSL 3 dropped it)");
    } else if (name == "HOSTNAME_VALIDATION_SCHEME") {
      if (value != "legacy" && value != "openssl") {
        return Error(variable + "=" + value + ": expected legacy or openssl");
      }
      settings.opensslHostnameScheme = value == "openssl";
    } else {
      return Error(variable + ": unknown TLS setting (see LIBPROCESS_SSL_* in Mesos's ssl.md)");
    }
    if (!done) return done.error();
  }
  if (verifyCert) {
    settings.notes.push_back(
        "LIBPROCESS_SSL_VERIFY_CERT is deprecated: it was renamed "
        "LIBPROCESS_SSL_VERIFY_SERVER_CERT");
    settings.verifyServerCert = true;
  }
  if (requireCert) {
    settings.notes.push_back(
        "LIBPROCESS_SSL_REQUIRE_CERT is deprecated: it was renamed "
        "LIBPROCESS_SSL_REQUIRE_CLIENT_CERT");
    settings.requireClientCert = true;
  }
  // As in Mesos: whoever requires client certificates verifies servers' too.
  if (settings.requireClientCert) settings.verifyServerCert = true;
  if (!settings.enabled) {
    bool any = std::any_of(environment.begin(), environment.end(), [](const auto& entry) {
      return entry.first.rfind(kPrefix, 0) == 0 && entry.first != "LIBPROCESS_SSL_ENABLED";
    });
    if (any) {
      settings.notes.push_back(
          "LIBPROCESS_SSL_* settings have no effect without LIBPROCESS_SSL_ENABLED=true");
    }
  } else if ((settings.verifyServerCert || settings.requireClientCert) &&
             settings.supportDowngrade) {
    settings.notes.push_back(
        "certificates are verified but LIBPROCESS_SSL_SUPPORT_DOWNGRADE=true lets a peer "
        "bypass that over plain HTTP");
  }
  if (settings.enabled && !settings.tls10 && !settings.tls11 && !settings.tls12 &&
      !settings.tls13) {
    return Error("LIBPROCESS_SSL_ENABLE_TLS_V1_*: every TLS version is disabled");
  }
  return settings;
}

Result<Settings> fromEnvironment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    if (text.rfind("SSL_", 0) != 0 && text.rfind(kPrefix, 0) != 0) continue;
    environment.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return parse(environment);
}

Result<Context> serverContext(const Settings& settings) {
  if (!settings.certFile || !settings.keyFile) {
    return Error(std::string("LIBPROCESS_SSL_ENABLED=true needs ") +
                 (settings.certFile ? "LIBPROCESS_SSL_KEY_FILE" : "LIBPROCESS_SSL_CERT_FILE"));
  }
  auto context = baseContext(settings);
  if (!context) return context.error();
  SSL_CTX* ctx = (*context)->native_handle();
  if (auto ok = loadIdentity(ctx, settings); !ok) return ok.error();
  // One session per connection: no resumption to keep consistent with verification.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  static const unsigned char kSessionContext[] = "mesolite";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  if (settings.requireClientCert) {
    if (auto ok = loadAuthorities(ctx, settings); !ok) return ok.error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return context;
}

Result<Context> clientContext(const Settings& settings) {
  auto context = baseContext(settings);
  if (!context) return context.error();
  SSL_CTX* ctx = (*context)->native_handle();
  if (settings.certFile || settings.keyFile) {
    if (!settings.certFile || !settings.keyFile) {
      return Error(
          "a client certificate needs both LIBPROCESS_SSL_CERT_FILE and "
          "LIBPROCESS_SSL_KEY_FILE");
    }
    if (auto ok = loadIdentity(ctx, settings); !ok) return ok.error();
  }
  if (settings.verifyServerCert) {
    if (auto ok = loadAuthorities(ctx, settings); !ok) return ok.error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return context;
}

const Result<Settings>& processSettings() {
  static const Result<Settings> settings = fromEnvironment();
  return settings;
}

Result<Context> processClientContext() {
  static std::once_flag once;
  static std::optional<Result<Context>> context;
  std::call_once(once, [] {
    const auto& settings = processSettings();
    context = settings ? clientContext(*settings) : Result<Context>(settings.error());
  });
  return *context;
}

Result<void> checkPeerName(void* handle, const Settings& settings, const std::string& peerHostname,
                           const std::string& peerIp) {
  SSL* ssl = static_cast<SSL*>(handle);
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), X509_free);
  if (!cert) return Error("the peer presented no certificate");
  if (const long result = SSL_get_verify_result(ssl); result != X509_V_OK) {
    return Error(std::string("the peer's certificate is not trusted: ") +
                 X509_verify_cert_error_string(result));
  }
  if (peerHostname.empty() && !settings.verifyIpAddress) {
    if (settings.requireClientCert) {
      return Error("the peer's host name is unknown (reverse lookup of " + peerIp + " failed)");
    }
    return success();
  }
  const unsigned flags = X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS;
  if (!peerHostname.empty() &&
      X509_check_host(cert.get(), peerHostname.data(), peerHostname.size(), flags, nullptr) == 1) {
    return success();
  }
  if (settings.verifyIpAddress && X509_check_ip_asc(cert.get(), peerIp.c_str(), 0) == 1) {
    return success();
  }
  return Error("the peer's certificate names neither " +
               (peerHostname.empty() ? std::string("its host") : peerHostname) +
               (settings.verifyIpAddress ? " nor " + peerIp : std::string()));
}

Result<void> prepareClient(void* handle, const Settings& settings, const std::string& host) {
  SSL* ssl = static_cast<SSL*>(handle);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool isIp = !ec;
  if (!isIp) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (!settings.opensslHostnameScheme || !settings.verifyServerCert) return success();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (isIp) {
    if (!settings.verifyIpAddress) {
      return Error("connecting to " + host +
                   " by IP address: the openssl hostname validation scheme needs "
                   "LIBPROCESS_SSL_VERIFY_IPADD=true for that");
    }
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return Error("cannot check IP " + host + ": " + lastError());
    }
    return success();
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) != 1) {
    return Error("cannot check host name " + host + ": " + lastError());
  }
  return success();
}

}  // namespace mesolite::tls
