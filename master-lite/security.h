// Who may do what on the master: the credentials and ACLs its flags name, and the HTTP
// authentication and endpoint authorization put in front of its endpoints. The calls of
// the scheduler and operator APIs are authorized where they are answered, with the
// Authorizer kept here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/authorizer.h"
#include "common/credentials.h"
#include "common/http_auth.h"
#include "common/http_server.h"
#include "master-lite/master_flags.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::master {

struct Security {
  std::shared_ptr<const Authorizer> authorizer = std::make_shared<Authorizer>();
  std::vector<Credential> credentials;
};

// Checks that the authentication flags fit together (every --authenticate_* needs
// --credentials) and loads the credentials and ACLs; errors name the flag.
Result<Security> loadSecurity(const MasterFlags& flags);

// The realm of a master endpoint, as Mesos files it.
http::Realm realmOf(const std::string& path);

// Authentication, then endpoint authorization, in front of every endpoint routed so far.
void secureEndpoints(http::Server& server, const MasterFlags& flags, const Security& security);

// SUBSCRIBE: an authenticated framework must name itself by its principal; a framework
// id is bound to the principal it first subscribed with (nobody else can take it over);
// register_frameworks must allow the principal each of its roles. `existing`: the
// framework already known by that id, if any. A 403 naming the reason, or nullopt.
std::optional<http::Response> checkSubscriber(const Authorizer& authorizer,
                                              const std::optional<std::string>& authenticated,
                                              const mesos::v1::FrameworkInfo& info,
                                              const std::vector<std::string>& roles,
                                              const mesos::v1::FrameworkInfo* existing);

// Any other scheduler call: an authenticated caller must be the framework's principal.
std::optional<http::Response> checkCaller(const std::optional<std::string>& authenticated,
                                          const mesos::v1::FrameworkInfo& framework);

// run_tasks: whether the framework's principal may run `task` as its user (the
// command's user, else the framework's); why not, for TASK_ERROR.
std::optional<std::string> runTaskDenied(const Authorizer& authorizer,
                                         const mesos::v1::FrameworkInfo& framework,
                                         const mesos::v1::TaskInfo& task);

}  // namespace mesolite::master
