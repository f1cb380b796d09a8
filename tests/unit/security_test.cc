// Credentials files, HTTP Basic and Mesos's local authorizer, rule by rule.
#include <gtest/gtest.h>

#include "common/authorizer.h"
#include "common/base64.h"
#include "common/credentials.h"
#include "common/http_auth.h"

namespace mesolite {
namespace {

TEST(Credentials, ParsesMesossJsonAndTextFormats) {
  auto json = parseCredentials(
      R"({"credentials":[{"principal":"a","secret":"s1"},{"principal":"b","secret":"s2"}]})");
  ASSERT_TRUE(json) << json.error().message;
  ASSERT_EQ(json->size(), 2u);
  EXPECT_EQ((*json)[1].principal, "b");
  EXPECT_EQ((*json)[1].secret, "s2");

  auto text = parseCredentials("a s1\n\n  b\ts2  \n");
  ASSERT_TRUE(text) << text.error().message;
  ASSERT_EQ(text->size(), 2u);
  EXPECT_EQ((*text)[1].secret, "s2");

  auto one = parseCredential(R"({"principal":"agent","secret":"x"})");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->principal, "agent");
  EXPECT_EQ(parseCredential("agent x\n")->secret, "x");
}

TEST(Credentials, RefusesWhatIsNotCredentialsNamingIt) {
  EXPECT_NE(parseCredentials("a\n").error().message.find("line 1"), std::string::npos);
  EXPECT_NE(parseCredentials("a s\nb s t\n").error().message.find("line 2"), std::string::npos);
  EXPECT_NE(parseCredentials("a s\na t\n").error().message.find("'a' is listed twice"),
            std::string::npos);
  EXPECT_FALSE(parseCredentials(""));
  EXPECT_FALSE(parseCredentials("{"));
  EXPECT_NE(parseCredentials(R"({"credentials":[{"principal":"a","secret":"s","x":1}]})")
                .error()
                .message.find("unknown field 'x'"),
            std::string::npos);
  EXPECT_NE(
      parseCredentials(R"({"credentials":[{"secret":"s"}]})").error().message.find("no principal"),
      std::string::npos);
  EXPECT_FALSE(parseCredential("a s\nb t\n"));
}

TEST(Base64, RoundTripsAndRefusesNonCanonicalText) {
  EXPECT_EQ(encodeBase64("alice:secret"), "YWxpY2U6c2VjcmV0");
  EXPECT_EQ(encodeBase64("a"), "YQ==");
  EXPECT_EQ(encodeBase64("ab"), "YWI=");
  EXPECT_EQ(*decodeBase64("YWI="), "ab");
  EXPECT_EQ(*decodeBase64(""), "");
  EXPECT_FALSE(decodeBase64("YR=="));  // leftover bits
  EXPECT_FALSE(decodeBase64("Y==="));
  EXPECT_FALSE(decodeBase64("YQ==YQ=="));
  EXPECT_FALSE(decodeBase64("YQ"));
  EXPECT_FALSE(decodeBase64("Y!=="));
}

TEST(BasicAuthenticator, AcceptsOnlyAKnownPrincipalWithItsSecret) {
  http::BasicAuthenticator authenticator({{"alice", "s3cret"}, {"bob", "other"}});
  EXPECT_EQ(*authenticator.authenticate(basicAuthorization({"alice", "s3cret"})), "alice");
  EXPECT_EQ(*authenticator.authenticate("basic " + encodeBase64("bob:other")), "bob");
  EXPECT_FALSE(authenticator.authenticate(basicAuthorization({"alice", "other"})));
  EXPECT_FALSE(authenticator.authenticate(basicAuthorization({"alice", "s3cre"})));
  EXPECT_FALSE(authenticator.authenticate(basicAuthorization({"alice", "s3cret!"})));
  EXPECT_FALSE(authenticator.authenticate(basicAuthorization({"carol", "s3cret"})));
  EXPECT_FALSE(authenticator.authenticate("Bearer abc"));
  EXPECT_FALSE(authenticator.authenticate("Basic !!!!"));
  EXPECT_FALSE(authenticator.authenticate("Basic " + encodeBase64("alice")));  // no colon
  // A secret may hold ':' (only the first one separates).
  http::BasicAuthenticator colons(std::vector<Credential>{{"p", "a:b"}});
  EXPECT_EQ(*colons.authenticate(basicAuthorization({"p", "a:b"})), "p");
  // A crafted principal cannot forge log lines: control bytes are escaped, length capped.
  auto forged = authenticator.authenticate(
      basicAuthorization({"evil\nE1201 forged line" + std::string(500, 'x'), "s"}));
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().message.find('\n'), std::string::npos);
  EXPECT_NE(forged.error().message.find("evil\\x0aE1201"), std::string::npos);
  EXPECT_LT(forged.error().message.size(), 200u);
  // The error never carries the secret.
  auto refused = authenticator.authenticate(basicAuthorization({"alice", "guessed-secret"}));
  EXPECT_EQ(refused.error().message.find("guessed-secret"), std::string::npos);
}

Authorizer acls(const std::string& json) {
  auto parsed = Authorizer::parse(json);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? std::move(*parsed) : Authorizer();
}

TEST(Authorizer, WithoutAclsEverythingIsAllowed) {
  Authorizer none;
  EXPECT_TRUE(none.allowed(Action::RunTask, std::nullopt, "root"));
  EXPECT_TRUE(acls("{}").allowed(Action::RunTask, std::string("x"), "root"));
  EXPECT_FALSE(acls(R"({"permissive":false})").allowed(Action::RunTask, std::string("x"), "root"));
}

TEST(Authorizer, TheFirstMatchingRuleDecidesAsInMesos) {
  auto authorizer = acls(R"({
    "permissive": false,
    "run_tasks": [
      {"principals": {"values": ["a"]}, "users": {"values": ["nobody", "www"]}},
      {"principals": {"values": ["a"]}, "users": {"type": "NONE"}},
      {"principals": {"type": "ANY"}, "users": {"values": ["guest"]}},
      {"principals": {"type": "NONE"}, "users": {"values": ["root"]}}
    ]})");
  const std::optional<std::string> a = "a", b = "b";
  EXPECT_TRUE(authorizer.allowed(Action::RunTask, a, "nobody"));
  EXPECT_TRUE(authorizer.allowed(Action::RunTask, a, "www"));
  EXPECT_FALSE(authorizer.allowed(Action::RunTask, a, "root"));   // rule 2: NONE
  EXPECT_TRUE(authorizer.allowed(Action::RunTask, b, "guest"));   // rule 3: ANY principal
  EXPECT_FALSE(authorizer.allowed(Action::RunTask, b, "root"));   // rule 4: NONE denies
  EXPECT_FALSE(authorizer.allowed(Action::RunTask, b, "other"));  // no rule: permissive false
  // An unauthenticated caller is ANY: only rules for ANY (or NONE) principals match it.
  EXPECT_TRUE(authorizer.allowed(Action::RunTask, std::nullopt, "guest"));
  EXPECT_FALSE(authorizer.allowed(Action::RunTask, std::nullopt, "root"));
  // An unknown object (ANY) is allowed only by rules for ANY objects.
  EXPECT_FALSE(authorizer.allowed(Action::RunTask, a));
  // Other actions are not affected by run_tasks.
  EXPECT_FALSE(authorizer.allowed(Action::ViewFlags, a));  // permissive false
}

TEST(Authorizer, RefusesRulesItCouldNotEnforceNamingThem) {
  auto error = [](const std::string& json) {
    auto parsed = Authorizer::parse(json);
    return parsed ? std::string() : parsed.error().message;
  };
  EXPECT_NE(error(R"({"reserve_resources":[]})").find("'reserve_resources' governs an operation"),
            std::string::npos);
  EXPECT_NE(error(R"({"get_quotas":[]})").find("get_quotas"), std::string::npos);
  EXPECT_NE(error(R"({"run_task":[]})").find("unknown ACL list 'run_task'"), std::string::npos);
  EXPECT_NE(error(R"({"run_tasks":[{"principals":{"type":"ANY"}}]})").find("needs both"),
            std::string::npos);
  EXPECT_NE(error(R"({"run_tasks":[{"principals":{"type":"ANY"},"roles":{"type":"ANY"}}]})")
                .find("unknown field 'roles'"),
            std::string::npos);
  EXPECT_NE(error(R"({"run_tasks":[{"principals":{"type":"ALL"},"users":{"type":"ANY"}}]})")
                .find("'ALL' is not SOME, ANY or NONE"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"get_endpoints":[{"principals":{"type":"ANY"},"paths":{"values":["/state"]}}]})")
          .find("'/state' is not an endpoint guarded"),
      std::string::npos);
  EXPECT_NE(error(R"({"permissive":"no"})").find("permissive"), std::string::npos);
  EXPECT_NE(error("[]").find("expected a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace mesolite
