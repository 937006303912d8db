// The steps of an image build, added to a plan whose other parts are
// computed: the --scripts-url downloads, then the engine's commands. Internal to image/.
#pragma once

#include "error.hpp"
#include "fsutil.hpp"
#include "s2i_plan.hpp"

namespace wd::image {

// Each --scripts-url script downloaded by `curl` (argv, no shell) into
// WORKDIR/scripts; one the source also has, and save-artifacts and usage, may be missing.
void add_download_steps(ImagePlan& plan, const fs::path& curl);

// The engine's steps: save-artifacts in the previous image (incremental),
// the injection tar, the assemble container, its commit, and the cleanup.
void add_engine_steps(ImagePlan& plan);

}  // namespace wd::image
