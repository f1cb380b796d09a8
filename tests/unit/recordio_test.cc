#include "common/recordio.h"

#include <gtest/gtest.h>

#include <random>

namespace mesolite::recordio {
namespace {

TEST(RecordIO, EncodesLengthNewlineBytes) {
  EXPECT_EQ(encode("hello"), "5\nhello");
  EXPECT_EQ(encode(std::string(12, 'x')), "12\n" + std::string(12, 'x'));
}

TEST(RecordIO, DecodesWholeAndSplitRecords) {
  Decoder decoder;
  auto first = decoder.decode("5\nhel");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());
  EXPECT_FALSE(decoder.idle());
  auto second = decoder.decode("lo3\nabc1");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0], "hello");
  EXPECT_EQ((*second)[1], "abc");
  auto third = decoder.decode("\n\n");
  ASSERT_TRUE(third);
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ((*third)[0], "\n");  // records may hold any byte, newlines included
  EXPECT_TRUE(decoder.idle());
}

// Whatever the chunk boundaries, the records come out the same.
TEST(RecordIO, AnyChunkingYieldsTheSameRecords) {
  std::mt19937 random(20261121);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> records;
    std::string stream;
    const int count = 1 + int(random() % 20);
    for (int i = 0; i < count; ++i) {
      std::string record(1 + random() % 300, '\0');
      for (char& c : record)
        c = char(random() % 256);
      stream += encode(record);
      records.push_back(std::move(record));
    }
    Decoder decoder;
    std::vector<std::string> decoded;
    size_t offset = 0;
    while (offset < stream.size()) {
      const size_t size = std::min<size_t>(stream.size() - offset, random() % 40);
      auto out = decoder.decode(std::string_view(stream).substr(offset, size));
      ASSERT_TRUE(out) << out.error().message;
      decoded.insert(decoded.end(), out->begin(), out->end());
      offset += size;
    }
    EXPECT_EQ(decoded, records) << "round " << round;
    EXPECT_TRUE(decoder.idle());
  }
}

TEST(RecordIO, MalformedInputIsAnErrorThatSticks) {
  Decoder decoder;
  auto bad = decoder.decode("12x\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'x'"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("byte 2"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(decoder.decode("3\nabc"));  // the framing is lost for good

  Decoder zero;
  auto empty = zero.decode("0\n");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("length 0"), std::string::npos);

  Decoder noDigits;
  EXPECT_FALSE(noDigits.decode("\nabc"));

  Decoder huge(1024);
  auto tooLong = huge.decode("1025\n");
  ASSERT_FALSE(tooLong);
  EXPECT_NE(tooLong.error().message.find("1024"), std::string::npos);

  Decoder overflow;
  EXPECT_FALSE(overflow.decode("99999999999999999999999999\n"));
}

}  // namespace
}  // namespace mesolite::recordio
