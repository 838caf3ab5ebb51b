/* stub: being written */
extern int ti_stub_unused; 
