// The output image's name and the labels S2I gives it. Internal to image/.
#pragma once

#include <map>
#include <string>

#include "context.hpp"
#include "fsutil.hpp"

namespace wd::image {

// What git says about the source, for the io.openshift.s2i.build.* labels.
struct SourceInfo {
  std::string location;  // remote.origin.url, or the local path
  std::string context_dir;
  std::string ref, commit_id, author, date, message;
};

// Asks git about `source` (nothing but the location and context directory
// when it is not a git work tree, or there is no git).
SourceInfo source_info(const Context& ctx, const fs::path& source, const std::string& context_dir);

// The output image's labels, as S2I computes them: the builder's labels,
// then io.k8s.display-name = the output name and the build labels
// (image, source-location, source-context-dir, commit.*), empty ones left out.
std::map<std::string, std::string> generated_labels(const SourceInfo& info, const std::string& builder_image,
                                                    const std::string& output_image);

// The output image's name when none is given: the source directory's name,
// lower case, with what an image name cannot hold made '-'.
std::string default_output_name(const fs::path& root);

}  // namespace wd::image
