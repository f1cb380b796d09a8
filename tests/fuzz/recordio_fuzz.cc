// Feeds arbitrary bytes to the RecordIO decoder in arbitrary chunks. Whatever it
// decodes must encode and decode back to the same records.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/recordio.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size, so boundaries vary with the input.
  const size_t chunk = 1 + data[0] % 17;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  mesolite::recordio::Decoder decoder(1 << 16);
  std::vector<std::string> records;
  for (size_t offset = 0; offset < input.size(); offset += chunk) {
    auto decoded = decoder.decode(input.substr(offset, chunk));
    if (!decoded) break;
    records.insert(records.end(), decoded->begin(), decoded->end());
  }

  std::string encoded;
  for (const std::string& record : records) {
    if (record.empty()) abort();  // a record is never empty
    encoded += mesolite::recordio::encode(record);
  }
  mesolite::recordio::Decoder again(1 << 16);
  auto redecoded = again.decode(encoded);
  if (!redecoded || *redecoded != records || !again.idle()) abort();
  return 0;
}
