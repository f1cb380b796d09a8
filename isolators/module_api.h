// The ABI of out-of-tree isolator modules: the one header a module author compiles
// against (with isolator.h, which it includes). A module is a shared object that
// defines
//
//     extern "C" MESOLITE_MODULE_EXPORT const mesolite_module* mesolite_module_entry() {
//       static const mesolite_module_isolator isolators[] = {{"org_example_Marker", &create}};
//       static const mesolite_module module = mesolite_module_describe(isolators);
//       return &module;
//     }
//
// and the agent loads it when `--modules` names it (see isolators/MODULES.md). Isolator
// objects cross the boundary as C++ objects, so module and agent must agree on the
// layout of everything isolator.h declares and on the C++ standard library; the
// descriptor carries what the agent checks before it calls anything else:
//   - abi_version: MESOLITE_MODULE_ABI_VERSION, bumped on any change to the layout of
//     isolator.h's types (a field, a virtual function) or of this descriptor;
//   - toolchain: the standard library and its ABI (MESOLITE_MODULE_TOOLCHAIN);
//   - layout: sizes of isolator.h's types, a safety net for a forgotten bump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "isolators/isolator.h"

// Bump on any change to isolator.h's types or to mesolite_module below, except that
// abi_version stays the descriptor's first field forever: it is all an agent reads of a
// descriptor of another version.
#define MESOLITE_MODULE_ABI_VERSION 3u

#define MESOLITE_MODULE_STR_(x) #x
#define MESOLITE_MODULE_STR(x) MESOLITE_MODULE_STR_(x)

// libstdc++ keeps its old ABI across releases, but not for what is still experimental
// in it (C++20 library parts, in GCC 12 and later), and it has two std::string ABIs
// (_GLIBCXX_USE_CXX11_ABI): a module must be built against the same major release and
// ABI as the agent. _GLIBCXX_RELEASE is GCC's major version, also under clang.
#if defined(_GLIBCXX_RELEASE)
#define MESOLITE_MODULE_LIBSTDCXX MESOLITE_MODULE_STR(_GLIBCXX_RELEASE)
#define MESOLITE_MODULE_CXX11_ABI MESOLITE_MODULE_STR(_GLIBCXX_USE_CXX11_ABI)
#define MESOLITE_MODULE_TOOLCHAIN \
  "libstdc++-" MESOLITE_MODULE_LIBSTDCXX "/cxx11-abi-" MESOLITE_MODULE_CXX11_ABI
#elif defined(_LIBCPP_VERSION)
#define MESOLITE_MODULE_TOOLCHAIN "libc++/abi-" MESOLITE_MODULE_STR(_LIBCPP_ABI_VERSION)
#else
#error "unknown C++ standard library: teach isolators/module_api.h its ABI tag"
#endif

// The entry point must be visible even when a module builds with -fvisibility=hidden.
#define MESOLITE_MODULE_EXPORT __attribute__((visibility("default")))

// Creates the isolator with the parameters --modules gives it ({"key": "value"}); on
// failure returns nullptr with *error saying why (it becomes the agent's start error).
using mesolite_isolator_factory = std::unique_ptr<mesolite::isolation::Isolator> (*)(
    const std::map<std::string, std::string>& parameters, std::string* error);

// One isolator a module offers, under the name `--isolation` and `--modules` use.
// Names are [A-Za-z0-9_./-]+ and may not be taken from built-in isolators (their
// families "cgroups/", "linux/", ... included); Mesos's convention is "org_example_Name".
struct mesolite_module_isolator {
  const char* name;
  mesolite_isolator_factory create;
};

// Sizes and alignments of what crosses the boundary, folded (FNV-1a) into one number.
constexpr uint64_t mesolite_module_layout() {
  using namespace mesolite::isolation;
  uint64_t hash = 14695981039346656037ull;
  for (uint64_t value :
       {sizeof(ContainerSpec), alignof(ContainerSpec), sizeof(LaunchPlan), alignof(LaunchPlan),
        sizeof(Limitation), sizeof(mesolite::Resources), sizeof(mesolite::Result<void>),
        sizeof(mesolite::Result<bool>), sizeof(std::string), sizeof(std::map<int, int>),
        sizeof(std::function<void()>), sizeof(Isolator), uint64_t(MESOLITE_MODULE_ABI_VERSION)}) {
    hash = (hash ^ value) * 1099511628211ull;
  }
  return hash;
}

// What mesolite_module_entry returns: static, never freed.
struct mesolite_module {
  uint32_t abi_version;   // MESOLITE_MODULE_ABI_VERSION; first, always
  const char* toolchain;  // MESOLITE_MODULE_TOOLCHAIN
  uint64_t layout;        // mesolite_module_layout()
  const mesolite_module_isolator* isolators;
  size_t isolator_count;
};

// The descriptor of a module offering `isolators`, with this header's version, toolchain
// and layout filled in.
template <size_t N>
constexpr mesolite_module mesolite_module_describe(const mesolite_module_isolator (&isolators)[N]) {
  return {MESOLITE_MODULE_ABI_VERSION, MESOLITE_MODULE_TOOLCHAIN, mesolite_module_layout(),
          isolators, N};
}

// The symbol the agent looks up in every library --modules names. Declared here so that
// a module's definition that does not match fails to compile.
#define MESOLITE_MODULE_ENTRY "mesolite_module_entry"
extern "C" MESOLITE_MODULE_EXPORT const mesolite_module* mesolite_module_entry();
