// Saving imported traces as sessions: one tag per import.
#include <gtest/gtest.h>

#include "batchscope/store/session_store.h"
#include "batchscope/trace_import/import_session.h"
#include "trace_files.h"

using namespace batchscope;
using namespace batchscope::trace_import;

TEST(ImportTag, TwoImportsInTheSameSecondGetTwoTags) {
    bs_trace_test::TempDir d;
    bs_trace_test::write_text(d.path("a.json"), bs_trace_test::small_gpu_trace());
    const std::string db = d.path("s.db");
    // A session already carries this second's tag: the next import must not share it.
    const ImportBatch first = import_traces({d.path("a.json")}, db);
    const ImportBatch second = import_traces({d.path("a.json")}, db);
    const ImportBatch third = import_traces({d.path("a.json")}, db);
    EXPECT_NE(first.tag, second.tag);
    EXPECT_NE(second.tag, third.tag);
    EXPECT_NE(first.tag, third.tag);
    for (const ImportBatch* b : {&first, &second, &third}) {
        store::SessionFilter f;
        f.tag = b->tag;
        EXPECT_EQ(store::SessionStore(db).list(f).size(), 1u) << b->tag;
    }
}
