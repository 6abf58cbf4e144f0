class ChangePosts < ActiveRecord::Migration[7.2]
  def up
    change_column :posts, :title, :string, limit: 100
    change_column :posts, :views, :string
  end

  def down
    change_column :posts, :views, :integer
  end
end
