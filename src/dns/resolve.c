/* stub: being written */
extern int ti_stub_unused; int ti_stub_unused;
