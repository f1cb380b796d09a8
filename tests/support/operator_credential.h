// An operator credential for a test's agent, as the packages make one for local tools:
// a root-only "principal secret" file passed as --http_credentials, so that the test's
// operator calls that change the agent are authenticated (the agent's default).
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "common/credentials.h"
#include "common/http.h"
#include "common/ids.h"

namespace mesolite::testing {

struct OperatorCredential {
  Credential credential;
  std::string flag;  // --http_credentials=<dir>/http_credentials
};

inline OperatorCredential makeOperatorCredential(const std::string& dir) {
  OperatorCredential made{{"test-operator", randomUuid()}, ""};
  const std::string path = dir + "/http_credentials";
  std::ofstream(path) << made.credential.principal << " " << made.credential.secret << "\n";
  ::chmod(path.c_str(), 0600);
  made.flag = "--http_credentials=" + path;
  return made;
}

inline void authorize(http::Request& request, const Credential& credential) {
  request.headers["Authorization"] = basicAuthorization(credential);
}

}  // namespace mesolite::testing
