// Entry: nothing happens here but routing; pages/login decides where a user goes.
App({
  globalData: {},
});
