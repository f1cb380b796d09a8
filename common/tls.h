// TLS for the HTTP server and client, configured as Mesos's libprocess is: by the
// LIBPROCESS_SSL_* environment variables (Mesos's docs/ssl.md gives their meaning).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace boost::asio::ssl {
class context;
}

namespace mesolite::tls {

struct Settings {
  bool enabled = false;
  bool supportDowngrade = false;
  std::optional<std::string> certFile;
  std::optional<std::string> keyFile;
  std::optional<std::string> caFile;
  std::optional<std::string> caDir;
  bool verifyServerCert = false;   // client side: verify the server's certificate
  bool requireClientCert = false;  // server side: require and verify a client certificate
  bool verifyIpAddress = false;    // an IP in the subject alternative names may match
  int verifyDepth = 4;
  std::string ciphers;
  std::string ecdhCurves = "auto";
  bool tls10 = false, tls11 = false, tls12 = true, tls13 = false;
  bool opensslHostnameScheme = false;  // `openssl`; Mesos's default is `legacy`
  std::vector<std::string> notes;      // deprecations and settings without effect, to log
};

// Reads LIBPROCESS_SSL_* from `environment`; an unknown name or a bad value is an error
// naming the variable.
Result<Settings> parse(const std::map<std::string, std::string>& environment);
// The same from this process's environment.
Result<Settings> fromEnvironment();

using Context = std::shared_ptr<boost::asio::ssl::context>;

// The server's context: its certificate and key (both required), client certificates
// required and verified with LIBPROCESS_SSL_REQUIRE_CLIENT_CERT. Errors name the file
// and OpenSSL's reason.
Result<Context> serverContext(const Settings& settings);
// A client's context: the server's certificate verified with VERIFY_SERVER_CERT (or
// REQUIRE_CLIENT_CERT, which implies it, as in Mesos); the certificate and key shown
// when they are set.
Result<Context> clientContext(const Settings& settings);

// This process's settings and client context, read once: what clients use unless they
// are given their own. Whether outgoing connections speak TLS by default.
const Result<Settings>& processSettings();
Result<Context> processClientContext();

// After a handshake, the `legacy` hostname check Mesos does: the certificate must name
// `peerHostname` (the reverse lookup of the peer's address) as common name or DNS
// alternative name, or, with VERIFY_IPADD, `peerIp` as IP alternative name.
// `ssl` is the connection's SSL*.
Result<void> checkPeerName(void* ssl, const Settings& settings, const std::string& peerHostname,
                           const std::string& peerIp);
// Before a client's handshake with the `openssl` scheme (and server verification):
// asks OpenSSL to check `host` (a name, or an IP with VERIFY_IPADD) during the
// handshake; sets SNI for names.
Result<void> prepareClient(void* ssl, const Settings& settings, const std::string& host);

// The last OpenSSL error as text ("no such file", "key values mismatch", ...).
std::string lastError();

}  // namespace mesolite::tls
