#include "isolators/cgroups/device_filter.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "isolators/cgroups/cgroupfs.h"

namespace mesolite::cgroups {
namespace {

// Registers of the program: r1 holds the context on entry; we unpack it into r2..r5.
constexpr uint8_t kContext = 1, kScratch = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5;

bpf_insn instruction(uint8_t code, uint8_t dst, uint8_t src, int16_t offset, int32_t imm) {
  bpf_insn insn{};
  insn.code = code;
  insn.dst_reg = dst & 0xf;
  insn.src_reg = src & 0xf;
  insn.off = offset;
  insn.imm = imm;
  return insn;
}

bpf_insn loadWord(uint8_t dst, uint8_t src, int16_t offset) {
  return instruction(BPF_LDX | BPF_MEM | BPF_W, dst, src, offset, 0);
}
bpf_insn and32(uint8_t dst, int32_t imm) {
  return instruction(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm);
}
bpf_insn shiftRight32(uint8_t dst, int32_t imm) {
  return instruction(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm);
}
bpf_insn move32(uint8_t dst, uint8_t src) {
  return instruction(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn moveImmediate(uint8_t dst, int32_t imm) {
  return instruction(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
bpf_insn jumpIfNotEqual(uint8_t dst, int32_t imm, int16_t offset) {
  return instruction(BPF_JMP | BPF_JNE | BPF_K, dst, 0, offset, imm);
}
bpf_insn jumpIfNotEqualRegister(uint8_t dst, uint8_t src, int16_t offset) {
  return instruction(BPF_JMP | BPF_JNE | BPF_X, dst, src, offset, 0);
}
bpf_insn exitProgram() {
  return instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int32_t accessBits(const std::string& access) {
  int32_t bits = 0;
  for (const char c : access) {
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
  }
  return bits;
}

// One rule: a block of checks that jumps past itself on a mismatch and returns 1
// (allow) when everything matched. Mirrors runc's devicefilter.
std::vector<bpf_insn> ruleBlock(const DeviceRule& rule) {
  constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  const int32_t access = accessBits(rule.access);
  std::vector<bpf_insn> block;
  // Jump offsets are patched once the block's length is known (kSkip marks them).
  constexpr int16_t kSkip = -1;
  if (rule.type == 'c') block.push_back(jumpIfNotEqual(kType, BPF_DEVCG_DEV_CHAR, kSkip));
  if (rule.type == 'b') block.push_back(jumpIfNotEqual(kType, BPF_DEVCG_DEV_BLOCK, kSkip));
  if (access != kAllAccess) {
    // The requested access must be a subset of the allowed one.
    block.push_back(move32(kScratch, kAccess));
    block.push_back(and32(kScratch, access));
    block.push_back(jumpIfNotEqualRegister(kScratch, kAccess, kSkip));
  }
  if (rule.major) block.push_back(jumpIfNotEqual(kMajor, int32_t(*rule.major), kSkip));
  if (rule.minor) block.push_back(jumpIfNotEqual(kMinor, int32_t(*rule.minor), kSkip));
  block.push_back(moveImmediate(0, 1));
  block.push_back(exitProgram());
  for (size_t i = 0; i < block.size(); ++i)
    if ((block[i].code & 0x07) == BPF_JMP && block[i].code != (BPF_JMP | BPF_EXIT) &&
        block[i].off == kSkip)
      block[i].off = int16_t(block.size() - i - 1);
  return block;
}

std::vector<bpf_insn> assemble(const std::vector<DeviceRule>& allowed) {
  std::vector<bpf_insn> program = {
      loadWord(kType, kContext, offsetof(bpf_cgroup_dev_ctx, access_type)),
      and32(kType, 0xffff),
      loadWord(kAccess, kContext, offsetof(bpf_cgroup_dev_ctx, access_type)),
      shiftRight32(kAccess, 16),
      loadWord(kMajor, kContext, offsetof(bpf_cgroup_dev_ctx, major)),
      loadWord(kMinor, kContext, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : allowed) {
    const std::vector<bpf_insn> block = ruleBlock(rule);
    program.insert(program.end(), block.begin(), block.end());
  }
  program.push_back(moveImmediate(0, 0));  // nothing matched: deny
  program.push_back(exitProgram());
  return program;
}

long bpf(int command, bpf_attr* attr) {
  return ::syscall(SYS_bpf, command, attr, sizeof(*attr));
}

}  // namespace

std::string DeviceRule::toString() const {
  const auto number = [](const std::optional<uint32_t>& n) {
    return n ? std::to_string(*n) : std::string("*");
  };
  return std::string(1, type) + " " + number(major) + ":" + number(minor) + " " + access;
}

std::vector<DeviceRule> defaultContainerDevices() {
  return {
      {'c', 1, 3, "rwm"},               // /dev/null
      {'c', 1, 5, "rwm"},               // /dev/zero
      {'c', 1, 7, "rwm"},               // /dev/full
      {'c', 1, 8, "rwm"},               // /dev/random
      {'c', 1, 9, "rwm"},               // /dev/urandom
      {'c', 5, 0, "rwm"},               // /dev/tty
      {'c', 5, 1, "rwm"},               // /dev/console
      {'c', 5, 2, "rwm"},               // /dev/ptmx
      {'c', 136, std::nullopt, "rwm"},  // /dev/pts/*
  };
}

Result<void> attachDeviceFilter(const std::string& cgroupDir,
                                const std::vector<DeviceRule>& allowed) {
  const std::vector<bpf_insn> program = assemble(allowed);
  static const char kLicense[] = "Apache-2.0";
  char verifierLog[4096] = {};

  bpf_attr load;
  std::memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = uint32_t(program.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  load.log_buf = reinterpret_cast<uint64_t>(verifierLog);
  load.log_size = sizeof verifierLog;
  load.log_level = 1;
  fs::UniqueFd programFd(int(bpf(BPF_PROG_LOAD, &load)));
  if (!programFd.valid()) {
    Error error = Error::fromErrno("bpf(BPF_PROG_LOAD) of the device filter for " + cgroupDir);
    if (verifierLog[0] != '\0') error = Error(error.message + "; verifier: " + verifierLog);
    return error;
  }

  fs::UniqueFd cgroupFd(::open(cgroupDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroupFd.valid()) return Error::fromErrno("open " + cgroupDir);

  bpf_attr attach;
  std::memset(&attach, 0, sizeof attach);
  attach.target_fd = uint32_t(cgroupFd.get());
  attach.attach_bpf_fd = uint32_t(programFd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attach) != 0)
    return Error::fromErrno("bpf(BPF_PROG_ATTACH) of the device filter to " + cgroupDir);
  return success();  // the attachment holds the program; our fd may close
}

}  // namespace mesolite::cgroups
