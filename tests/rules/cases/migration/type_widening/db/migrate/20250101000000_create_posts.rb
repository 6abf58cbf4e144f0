class CreatePosts < ActiveRecord::Migration[7.2]
  def change
    create_table :posts do |t|
      t.string :title, limit: 40
      t.integer :views
    end
  end
end
